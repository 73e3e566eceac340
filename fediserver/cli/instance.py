"""Setting up an instance: ``init`` (config file and database), ``check-config`` and
``migrate`` (schema up to date, instance actor present)."""

from __future__ import annotations

import argparse
import asyncio
from importlib import resources

from fediserver import db
from fediserver.cli.common import settings_of
from fediserver.config import Settings, load_settings, resolve_config_path
from fediserver.urls import InstanceUrls


def register(commands) -> None:
    init = commands.add_parser("init", help="write a config file from the example and create the database")
    init.add_argument("--domain", help="public host name (default: 127.0.0.1:8000 over http, for a local trial)")
    init.add_argument("--force", action="store_true", help="overwrite an existing config file")
    init.set_defaults(handler=cmd_init)

    migrate = commands.add_parser("migrate", help="bring the database schema up to date, keeping all data")
    migrate.add_argument("--target", help="migrate to this migration, e.g. models.0001_initial")
    migrate.set_defaults(handler=cmd_migrate)

    check = commands.add_parser("check-config", help="validate the config file and print a summary")
    check.set_defaults(handler=cmd_check_config)


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
    settings = settings_of(args)
    print(f"config OK: {resolve_config_path(args.config)}")
    print(f"  instance   {settings.instance.base_url} ({settings.instance.name})")
    print(f"  listen     {settings.server.host}:{settings.server.port}, {settings.server.workers} worker(s)")
    print(f"  database   {db.database_kind(settings.database_url)}")
    print(f"  media      {settings.media.storage}")
    print(f"  data dir   {settings.data_dir}")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = settings_of(args)
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

    await db.open_database(config)
    try:
        actor = await ensure_instance_actor(InstanceUrls(settings.instance.base_url), instance_name=settings.instance.name)
        print(f"instance actor: {actor.uri}")
    finally:
        await db.close_database()
