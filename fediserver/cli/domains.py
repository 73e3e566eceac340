"""Domain blocks from the command line: ``domain block DOMAIN``, ``domain unblock DOMAIN``,
``domain list``, ``domain import FILE [--dry-run]``, ``domain export [FILE]``, and
``domain allow|disallow DOMAIN`` for allowlist mode. Every change goes through
``fediserver.moderation.domain_blocks``, as the admin API's do; running web and worker
processes see it within ``moderation.reload_seconds``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fediserver.cli.common import CommandError, command_group, settings_of, with_database


def register(commands) -> None:
    actions = command_group(commands, "domain", "block or allow other servers", "domain commands")
    block = actions.add_parser("block", help="block a domain and its subdomains (or change its block)")
    block.add_argument("domain")
    block.add_argument("--severity", choices=("suspend", "silence", "noop"), default="suspend",
                       help="suspend: no federation at all (default); silence: kept out of public lists; "
                            "noop: only the flags below")
    block.add_argument("--reject-media", action="store_true", help="never fetch or show its media")
    block.add_argument("--reject-reports", action="store_true", help="drop the reports it sends")
    block.add_argument("--public-comment", default="", help="the reason shown with the public list")
    block.add_argument("--private-comment", default="", help="a note for the admins")
    block.add_argument("--obfuscate", action="store_true", help="hide part of the name in the public list")
    block.set_defaults(handler=cmd_block)
    unblock = actions.add_parser("unblock", help="lift a domain's block (federation resumes from now on)")
    unblock.add_argument("domain")
    unblock.set_defaults(handler=cmd_unblock)
    actions.add_parser("list", help="list the blocks and allows").set_defaults(handler=cmd_list)
    imported = actions.add_parser("import", help="import a blocklist: Mastodon CSV, GoToSocial JSON or plain text")
    imported.add_argument("file", help="the list ('-' reads standard input)")
    imported.add_argument("--format", choices=("auto", "csv", "json", "text"), default="auto")
    imported.add_argument("--severity", choices=("suspend", "silence", "noop"), default="suspend",
                          help="for a plain text list: the severity of every domain (default suspend)")
    imported.add_argument("--dry-run", action="store_true", help="show what would change and change nothing")
    imported.add_argument("--update", action="store_true",
                          help="also change blocks that exist with other settings (kept as they are by default)")
    imported.set_defaults(handler=cmd_import)
    exported = actions.add_parser("export", help="write the blocks as Mastodon CSV")
    exported.add_argument("file", nargs="?", help="where to write (default: standard output)")
    exported.set_defaults(handler=cmd_export)
    for name, handler, text in (("allow", cmd_allow, "allow a domain (allowlist mode)"),
                                ("disallow", cmd_disallow, "remove a domain from the allowlist")):
        action = actions.add_parser(name, help=text)
        action.add_argument("domain")
        action.set_defaults(handler=handler)


def _run(args: argparse.Namespace, work: Callable[[Any], Awaitable[None]]) -> int:
    """Run ``work(services)`` with the database open and this process's policy loaded."""
    from fediserver.moderation.blocklists import BlocklistError
    from fediserver.moderation.domain_blocks import DomainError
    from fediserver.services import build_services

    settings = settings_of(args)

    async def run() -> None:
        services = build_services(settings)
        try:
            await services.domains.reload()
            await work(services)
        except (DomainError, BlocklistError) as error:
            raise CommandError(str(error)) from None
        finally:
            await services.aclose()

    with_database(settings, run)
    return 0


def cmd_block(args: argparse.Namespace) -> int:
    from fediserver.moderation.domain_blocks import block_domain

    async def work(services) -> None:
        block = await block_domain(
            args.domain, severity=args.severity, reject_media=args.reject_media, reject_reports=args.reject_reports,
            public_comment=args.public_comment, private_comment=args.private_comment, obfuscate=args.obfuscate,
            remote_media=services.remote_media, policy=services.domains,
        )
        print(f"blocked {block.domain}: {block.severity}{_flags(block)}")

    return _run(args, work)


def cmd_unblock(args: argparse.Namespace) -> int:
    from fediserver.moderation.domain_blocks import unblock_domain

    async def work(services) -> None:
        if not await unblock_domain(args.domain, policy=services.domains):
            raise CommandError(f"{args.domain} is not blocked")
        print(f"unblocked {args.domain}: federation resumes from now on")

    return _run(args, work)


def cmd_list(args: argparse.Namespace) -> int:
    from fediserver.models import DomainAllow, DomainBlock

    async def work(services) -> None:
        blocks = await DomainBlock.all().order_by("domain")
        allows = await DomainAllow.all().order_by("domain")
        if not blocks and not allows:
            print("no domain is blocked or allowed")
        for block in blocks:
            comment = f"\t{block.public_comment!r}" if block.public_comment else ""
            print(f"{block.domain}\t{block.severity}{_flags(block)}\t{block.source}{comment}")
        mode = services.settings.moderation.federation_mode
        for allow in allows:
            print(f"{allow.domain}\tallowed\t{allow.source}" + ("" if mode == "allowlist" else " (blocklist mode: unused)"))

    return _run(args, work)


def cmd_import(args: argparse.Namespace) -> int:
    from fediserver.models.domain_blocks import Severity
    from fediserver.moderation.blocklists import apply_import, parse_blocklist, plan_import

    if args.file == "-":
        text, name = sys.stdin.read(), "standard input"
    else:
        try:
            text, name = Path(args.file).read_text(encoding="utf-8"), args.file
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {args.file}: {getattr(error, 'strerror', None) or error}") from None

    async def work(services) -> None:
        entries = parse_blocklist(text, fmt=args.format, name=name, severity=Severity(args.severity))
        plan = await plan_import(entries, update=args.update, own_domain=services.domains.own_domain)
        for line in plan.describe():
            print(line)
        if args.dry_run:
            print("dry run: nothing was changed")
            return
        await apply_import(plan, source_name=name, remote_media=services.remote_media)
        print("imported")

    return _run(args, work)


def cmd_export(args: argparse.Namespace) -> int:
    from fediserver.models import DomainBlock
    from fediserver.moderation.blocklists import export_csv

    async def work(services) -> None:
        text = export_csv(await DomainBlock.all())
        if args.file:
            Path(args.file).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)

    return _run(args, work)


def cmd_allow(args: argparse.Namespace) -> int:
    from fediserver.moderation.domain_blocks import allow_domain

    async def work(services) -> None:
        allow = await allow_domain(args.domain, policy=services.domains)
        print(f"allowed {allow.domain}")

    return _run(args, work)


def cmd_disallow(args: argparse.Namespace) -> int:
    from fediserver.moderation.domain_blocks import disallow_domain

    async def work(services) -> None:
        if not await disallow_domain(args.domain, policy=services.domains):
            raise CommandError(f"{args.domain} is not on the allowlist")
        print(f"removed {args.domain} from the allowlist")

    return _run(args, work)


def _flags(block) -> str:
    flags = [name.replace("_", "-") for name in ("reject_media", "reject_reports", "obfuscate") if getattr(block, name)]
    return f" ({', '.join(flags)})" if flags else ""
