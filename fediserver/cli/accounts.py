"""Local artist accounts: ``account create`` (with a password read from a file or asked
twice on a terminal, or none for API-only accounts), ``account list``, and moving an
account between servers: ``account alias`` (the accounts it also is) and ``account move``.
The moderation actions (``account suspend``, ``silence``...) are ``fediserver.cli.moderation``'s."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from fediserver.cli.common import CommandError, command_group, settings_of, with_database
from fediserver.urls import InstanceUrls


def register(commands) -> None:
    actions = command_group(commands, "account", "manage local accounts", "account commands")
    create = actions.add_parser("create", help="create a local artist account")
    create.add_argument("name", help="username: 1-30 lowercase letters, digits or underscores")
    create.add_argument("--password-file", metavar="F", help="read the password from this file (default: ask)")
    create.add_argument("--no-password", action="store_true", help="no password: API tokens only")
    create.add_argument("--display-name", default="", help="name shown on the profile")
    create.add_argument("--admin", action="store_true", help="make the account an administrator")
    create.set_defaults(handler=cmd_account_create)
    listing = actions.add_parser("list", help="list local accounts")
    listing.set_defaults(handler=cmd_account_list)
    alias = actions.add_parser("alias", help="set the accounts this one also is (alsoKnownAs), before moving here")
    alias.add_argument("name", help="the local username")
    alias.add_argument("uris", nargs="*", metavar="URI",
                       help="address (URL or @name@host) of each account; none clears the aliases")
    alias.set_defaults(handler=cmd_account_alias)
    move = actions.add_parser("move", help="move the account to another server (it must alias this one)")
    move.add_argument("name", help="the local username")
    move.add_argument("uri", help="address (URL or @name@host) of the new account")
    move.set_defaults(handler=cmd_account_move)
    from fediserver.cli.moderation import register_account_actions

    register_account_actions(actions)


def cmd_account_create(args: argparse.Namespace) -> int:
    from fediserver.local_accounts import AccountError, create_local_account

    settings = settings_of(args)
    password = None if args.no_password else _read_password(args.password_file)

    async def work() -> None:
        try:
            account = await create_local_account(
                InstanceUrls(settings.instance.base_url),
                args.name,
                password=password,
                display_name=args.display_name,
                is_admin=args.admin,
            )
        except AccountError as exc:
            raise CommandError(str(exc)) from None
        print(f"created @{account.username}@{settings.instance.domain} ({account.uri})")

    with_database(settings, work)
    return 0


def _read_password(password_file: str | None) -> str:
    if password_file:
        try:
            return Path(password_file).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise CommandError(f"cannot read password file {password_file}: {exc.strerror}") from None
    if not sys.stdin.isatty():
        raise CommandError("no terminal to ask for a password: use --password-file F or --no-password")
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise CommandError("the two passwords differ")
    return first


def cmd_account_list(args: argparse.Namespace) -> int:
    from fediserver.instance_actor import artists

    async def work() -> None:
        accounts = await artists().order_by("username")
        if not accounts:
            print("no local accounts yet: `fediserver account create NAME`")
            return
        print(f"{'username':<31} {'admin':<6} {'created':<20} uri")
        for account in accounts:
            created = account.created_at.strftime("%Y-%m-%d %H:%M")
            print(f"{account.username:<31} {'yes' if account.is_admin else '':<6} {created:<20} {account.uri}")

    with_database(settings_of(args), work)
    return 0


def _with_services(args: argparse.Namespace, work) -> None:
    """Run ``work(services, account)`` for the local account ``args.name`` with the
    resolver at hand (moving fetches the other account); refusals become one line."""
    from fediserver.local_accounts import AccountError, get_local_account
    from fediserver.services import build_services
    from inbox.resolver import NotResolved
    from outbox.errors import ActionError

    settings = settings_of(args)

    async def run() -> None:
        services = build_services(settings)
        try:
            await work(services, await get_local_account(args.name))
        except (AccountError, ActionError, NotResolved) as refusal:
            raise CommandError(str(refusal)) from None
        finally:
            await services.aclose()

    with_database(settings, run)


def cmd_account_alias(args: argparse.Namespace) -> int:
    from outbox.moves import set_aliases

    async def work(services, account) -> None:
        aliases = [await services.resolver.account(uri) for uri in args.uris]
        await set_aliases(account, aliases)
        shown = ", ".join(alias.uri for alias in aliases) or "none"
        print(f"@{account.username} is also known as: {shown}")

    _with_services(args, work)
    return 0


def cmd_account_move(args: argparse.Namespace) -> int:
    from outbox.moves import move_account

    async def work(services, account) -> None:
        target = await services.resolver.account(args.uri, refresh=True)
        await move_account(account, target)
        print(f"@{account.username} moved to {target.uri}; its followers are being told "
              "(`fediserver delivery status` shows the deliveries)")

    _with_services(args, work)
    return 0
