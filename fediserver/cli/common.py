"""What every command shares: its error type, reading the settings, opening the database,
and command groups (``fediserver account ...``) that print their help when called bare."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fediserver import db
from fediserver.config import Settings, load_settings, resolve_config_path

EXIT_USAGE = 2


class CommandError(Exception):
    """A command that cannot be carried out, with a one-line reason."""


def settings_of(args: argparse.Namespace) -> Settings:
    """The settings from ``--config``, ``$FEDISERVER_CONFIG`` or ``./config.toml``."""
    return load_settings(resolve_config_path(args.config))


def command_group(commands: Any, name: str, help: str, title: str) -> Any:
    """A command with actions of its own (``fediserver NAME ACTION``); bare, it prints its help."""
    group = commands.add_parser(name, help=help)
    group.set_defaults(handler=lambda args: group.print_help() or EXIT_USAGE)
    return group.add_subparsers(title=title, metavar="ACTION")


def refuse_pending(pending: list[Any]) -> None:
    if pending:
        raise CommandError(
            f"the database schema is not up to date ({len(pending)} migration(s) pending): run `fediserver migrate`"
        )


def with_database(settings: Settings, work: Callable[[], Awaitable[int | None]]) -> int | None:
    """Run ``work`` with the database open; refused while migrations are pending."""

    async def run() -> int | None:
        config = db.settings_tortoise_config(settings)
        refuse_pending(await db.pending_migrations(config))
        await db.open_database(config)
        try:
            return await work()
        finally:
            await db.close_database()

    return asyncio.run(run())
