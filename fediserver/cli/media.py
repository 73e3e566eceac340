"""Stored media: ``media prune`` removes cached remote files, least recently viewed
first, until the cache is within ``media.remote_cache_bytes`` (and, with
``--older-than DAYS``, every file not viewed for that long)."""

from __future__ import annotations

import argparse
from datetime import timedelta

from fediserver.cli.common import command_group, settings_of, with_database


def register(commands) -> None:
    actions = command_group(commands, "media", "manage stored media", "media commands")
    prune = actions.add_parser(
        "prune", help="remove cached remote media, least recently viewed first, until under media.remote_cache_bytes"
    )
    prune.add_argument("--older-than", type=_days, metavar="DAYS", help="also remove files not viewed for DAYS days")
    prune.set_defaults(handler=cmd_media_prune)


def _days(value: str) -> float:
    try:
        days = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of days, got {value!r}") from None
    if not days >= 0:
        raise argparse.ArgumentTypeError(f"expected a number of days of at least 0, got {value!r}")
    return days


def cmd_media_prune(args: argparse.Namespace) -> int:
    from fediserver.services import build_services

    settings = settings_of(args)
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

    with_database(settings, work)
    return 0


def _mib(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MiB"
