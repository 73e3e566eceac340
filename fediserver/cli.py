"""The ``fediserver`` command: set up, run and administer an instance.

Every command reads the configuration the same way (``--config``, else
``$FEDISERVER_CONFIG``, else ``./config.toml``); a configuration problem ends the
command with one line naming the key and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path

from fediserver import __version__, db
from fediserver.config import ConfigError, Settings, load_settings, resolve_config_path
from fediserver.logs import configure_logging
from fediserver.urls import InstanceUrls

EXIT_USAGE = 2


class CommandError(Exception):
    """A command that cannot be carried out, with a one-line reason."""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.handler(args) or 0
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fediserver", description="A federated ActivityPub server for artists."
    )
    parser.add_argument("--version", action="version", version=f"fediserver {__version__}")
    parser.add_argument("--config", metavar="PATH", help="config file (default: $FEDISERVER_CONFIG or ./config.toml)")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    init = commands.add_parser("init", help="write a config file from the example and create the database")
    init.add_argument("--domain", help="public host name (default: 127.0.0.1:8000 over http, for a local trial)")
    init.add_argument("--force", action="store_true", help="overwrite an existing config file")
    init.set_defaults(handler=cmd_init)

    run = commands.add_parser("run", help="serve the instance (and run background jobs unless server.run_jobs is off)")
    run.add_argument("--host", help="override server.host")
    run.add_argument("--port", type=int, help="override server.port")
    run.set_defaults(handler=cmd_run)

    worker = commands.add_parser("worker", help="run background jobs only, without serving HTTP")
    worker.set_defaults(handler=cmd_worker)

    migrate = commands.add_parser("migrate", help="bring the database schema up to date, keeping all data")
    migrate.add_argument("--target", help="migrate to this migration, e.g. models.0001_initial")
    migrate.set_defaults(handler=cmd_migrate)

    check = commands.add_parser("check-config", help="validate the config file and print a summary")
    check.set_defaults(handler=cmd_check_config)

    account = commands.add_parser("account", help="manage local accounts")
    account_commands = account.add_subparsers(title="account commands", metavar="ACTION")
    create = account_commands.add_parser("create", help="create a local artist account")
    create.add_argument("name", help="username: 1-30 lowercase letters, digits or underscores")
    create.add_argument("--password-file", metavar="F", help="read the password from this file (default: ask)")
    create.add_argument("--no-password", action="store_true", help="no password: API tokens only")
    create.add_argument("--display-name", default="", help="name shown on the profile")
    create.add_argument("--admin", action="store_true", help="make the account an administrator")
    create.set_defaults(handler=cmd_account_create)
    listing = account_commands.add_parser("list", help="list local accounts")
    listing.set_defaults(handler=cmd_account_list)
    account.set_defaults(handler=lambda args: account.print_help() or EXIT_USAGE)

    delivery = commands.add_parser("delivery", help="look at the outbound delivery queue")
    delivery_commands = delivery.add_subparsers(title="delivery commands", metavar="ACTION")
    status = delivery_commands.add_parser("status", help="jobs by state, parked hosts, recent failures and why")
    status.set_defaults(handler=cmd_delivery_status)
    unpark = delivery_commands.add_parser("unpark", help="let a parked host's deliveries go out again now")
    unpark.add_argument("host", help="the host as deliveries name it, e.g. art.example or 127.0.0.1:8001")
    unpark.set_defaults(handler=cmd_delivery_unpark)
    delivery.set_defaults(handler=lambda args: delivery.print_help() or EXIT_USAGE)

    token = commands.add_parser("token", help="manage client API tokens")
    token_commands = token.add_subparsers(title="token commands", metavar="ACTION")
    token_create = token_commands.add_parser("create", help="print a new bearer token for the client API")
    token_create.add_argument("name", help="the local account the token acts for")
    token_create.add_argument("--label", default="cli", help="a note to recognise the token by")
    token_create.set_defaults(handler=cmd_token_create)
    token.set_defaults(handler=lambda args: token.print_help() or EXIT_USAGE)

    media = commands.add_parser("media", help="manage stored media")
    media_commands = media.add_subparsers(title="media commands", metavar="ACTION")
    prune = media_commands.add_parser(
        "prune", help="remove cached remote media, least recently viewed first, until under media.remote_cache_bytes"
    )
    prune.add_argument("--older-than", type=_days, metavar="DAYS", help="also remove files not viewed for DAYS days")
    prune.set_defaults(handler=cmd_media_prune)
    media.set_defaults(handler=lambda args: media.print_help() or EXIT_USAGE)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(resolve_config_path(args.config))


def _with_database(settings: Settings, work: Callable[[], Awaitable[int | None]]) -> int | None:
    async def run() -> int | None:
        config = db.settings_tortoise_config(settings)
        pending = await db.pending_migrations(config)
        if pending:
            raise CommandError(
                f"the database schema is not up to date ({len(pending)} migration(s) pending): "
                "run `fediserver migrate`"
            )
        await db.open_database(config)
        try:
            return await work()
        finally:
            await db.close_database()

    return asyncio.run(run())


# --- set-up -------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    path = resolve_config_path(args.config)
    if path.exists() and not args.force:
        print(f"{path} exists; keeping it (use --force to overwrite)")
    else:
        template = resources.files("fediserver").joinpath("config.example.toml").read_text(encoding="utf-8")
        if args.domain:
            template = _with_domain(template, args.domain)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template, encoding="utf-8")
        print(f"wrote {path}")
    settings = load_settings(path)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    _migrate(settings, target=None)
    print(f"instance {settings.instance.base_url} is ready: `fediserver run` serves it")
    return 0


def _with_domain(template: str, domain: str) -> str:
    """The example config with another domain, served over https."""
    lines = []
    for line in template.splitlines():
        if line.startswith("domain = "):
            line = f'domain = "{domain}"'
        elif line.startswith('scheme = "http"'):
            line = 'scheme = "https"'
        elif line.startswith("allow_http = true"):
            line = "allow_http = false"
        lines.append(line)
    return "\n".join(lines) + "\n"


def cmd_check_config(args: argparse.Namespace) -> int:
    settings = _settings(args)
    print(f"config OK: {resolve_config_path(args.config)}")
    print(f"  instance   {settings.instance.base_url} ({settings.instance.name})")
    print(f"  listen     {settings.server.host}:{settings.server.port}, {settings.server.workers} worker(s)")
    print(f"  database   {db.database_kind(settings.database_url)}")
    print(f"  media      {settings.media.storage}")
    print(f"  data dir   {settings.data_dir}")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _migrate(settings, target=args.target)
    return 0


def _migrate(settings: Settings, target: str | None) -> None:
    def progress(event: str, app_label: str, name: str) -> None:
        verb = {"apply_start": "applying", "apply_done": "  done", "unapply_start": "rolling back"}.get(event)
        if verb:
            print(f"{verb} {app_label}.{name}", flush=True)

    async def run() -> None:
        config = db.settings_tortoise_config(settings)
        pending = await db.pending_migrations(config)
        if not pending and not target:
            print("database schema is up to date")
        else:
            await db.migrate(config, target=target, progress=progress)
            await db.close_database()
        if target is None:
            await _ensure_instance_actor(settings, config)

    asyncio.run(run())


async def _ensure_instance_actor(settings: Settings, config: dict) -> None:
    from fediserver.instance_actor import ensure_instance_actor
    from fediserver.urls import InstanceUrls

    await db.open_database(config)
    try:
        actor = await ensure_instance_actor(InstanceUrls(settings.instance.base_url), instance_name=settings.instance.name)
        print(f"instance actor: {actor.uri}")
    finally:
        await db.close_database()


# --- serving ------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    configure_logging(settings.logging)
    host = args.host or settings.server.host
    port = args.port or settings.server.port
    asyncio.run(_ensure_migrated(settings))

    from hypercorn.config import Config as HypercornConfig

    server_config = HypercornConfig()
    server_config.bind = [f"{host}:{port}"]
    server_config.accesslog = None  # the app logs each request itself
    server_config.errorlog = logging.getLogger("hypercorn.error")  # through our formatter, once
    server_config.workers = settings.server.workers
    if settings.server.workers > 1:
        from hypercorn.run import run as run_workers

        os.environ["FEDISERVER_CONFIG"] = str(resolve_config_path(args.config).resolve())
        server_config.application_path = "fediserver.asgi:app"
        print(f"serving {settings.instance.base_url} on http://{host}:{port} with {server_config.workers} workers")
        return run_workers(server_config)

    from hypercorn.asyncio import serve

    from fediserver.app import create_app

    app = create_app(settings)
    print(f"serving {settings.instance.base_url} on http://{host}:{port}", flush=True)
    asyncio.run(serve(app, server_config, shutdown_trigger=_shutdown_signal()))
    return 0


async def _ensure_migrated(settings: Settings) -> None:
    pending = await db.pending_migrations(db.settings_tortoise_config(settings))
    if pending:
        raise CommandError(
            f"the database schema is not up to date ({len(pending)} migration(s) pending): run `fediserver migrate`"
        )


def _shutdown_signal() -> Callable[[], Awaitable[None]]:
    async def wait_for_signal() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()

    return wait_for_signal


def cmd_worker(args: argparse.Namespace) -> int:
    settings = _settings(args)
    configure_logging(settings.logging)

    from fediserver.jobs import JobRunner, build_jobs
    from fediserver.services import build_services

    async def work() -> None:
        services = build_services(settings)
        try:
            runner = JobRunner(build_jobs(services))
            if not runner.jobs:
                print("no background job kinds are registered; nothing to do")
                return
            runner.start()
            await _shutdown_signal()()
            await runner.stop()
        finally:
            await services.aclose()

    _with_database(settings, work)
    return 0


# --- administration -----------------------------------------------------------------


def cmd_account_create(args: argparse.Namespace) -> int:
    from fediserver.local_accounts import AccountError, create_local_account

    settings = _settings(args)
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

    _with_database(settings, work)
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

    settings = _settings(args)

    async def work() -> None:
        accounts = await artists().order_by("username")
        if not accounts:
            print("no local accounts yet: `fediserver account create NAME`")
            return
        print(f"{'username':<31} {'admin':<6} {'created':<20} uri")
        for account in accounts:
            created = account.created_at.strftime("%Y-%m-%d %H:%M")
            print(f"{account.username:<31} {'yes' if account.is_admin else '':<6} {created:<20} {account.uri}")

    _with_database(settings, work)
    return 0


def cmd_delivery_status(args: argparse.Namespace) -> int:
    from outbox.queue_report import queue_report

    async def work() -> None:
        report = await queue_report()
        print(", ".join(f"{state} {count}" for state, count in report.by_state.items()) + f"; due now {report.due_now}")
        for host in report.parked:
            print(f"parked {host.name} until {host.parked_until:%Y-%m-%d %H:%M:%S} UTC "
                  f"after {host.consecutive_failures} failures: {host.last_error}")
        for job in report.recent_failures:
            print(f"failed {job.inbox_url} after {job.attempts} attempt(s): {job.last_error}")

    _with_database(_settings(args), work)
    return 0


def cmd_delivery_unpark(args: argparse.Namespace) -> int:
    from outbox.queue_report import unpark_host

    async def work() -> int:
        if await unpark_host(args.host):
            print(f"{args.host} unparked; its due deliveries go out with the next claim")
            return 0
        print(f"{args.host} is not parked", file=sys.stderr)
        return 1

    return _with_database(_settings(args), work) or 0


def cmd_token_create(args: argparse.Namespace) -> int:
    from fediserver.local_accounts import AccountError, create_api_token

    settings = _settings(args)

    async def work() -> None:
        try:
            token = await create_api_token(args.name, args.label)
        except AccountError as exc:
            raise CommandError(str(exc)) from None
        print(token)

    _with_database(settings, work)
    return 0


def _days(value: str) -> float:
    try:
        days = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of days, got {value!r}") from None
    if not days >= 0:
        raise argparse.ArgumentTypeError(f"expected a number of days of at least 0, got {value!r}")
    return days


def cmd_media_prune(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from fediserver.services import build_services

    settings = _settings(args)
    budget = settings.media.remote_cache_bytes

    async def work() -> None:
        services = build_services(settings)
        remote = services.remote_media
        try:
            before = await remote.cached_bytes()
            print(f"cached remote media: {_mib(before)} of a {_mib(budget)} budget")

            def progress(row, freed: int) -> None:
                print(f"removed {_mib(freed)}: {row.remote_url}")

            older_than = timedelta(days=args.older_than) if args.older_than is not None else None
            result = await remote.prune(budget=budget, older_than=older_than, progress=progress)
        finally:
            await services.aclose()
        print(
            f"removed {result.files_removed} cached file set(s), {_mib(result.bytes_freed)} freed, "
            f"{_mib(result.cached_bytes_left)} left"
        )

    _with_database(settings, work)
    return 0


def _mib(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MiB"


if __name__ == "__main__":
    sys.exit(main())
