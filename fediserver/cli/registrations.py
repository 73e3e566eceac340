"""Sign-ups waiting for approval: ``registration list``, ``registration approve NAME``,
``registration reject NAME`` (when ``registrations.mode = "approval"``)."""

from __future__ import annotations

import argparse

from fediserver.cli.common import CommandError, command_group, settings_of, with_database


def register(commands) -> None:
    actions = command_group(commands, "registration", "sign-ups waiting for approval", "registration commands")
    actions.add_parser("list", help="list sign-ups waiting for approval").set_defaults(handler=cmd_list)
    for name, handler, text in (("approve", cmd_approve, "make the account a sign-up asked for"),
                                ("reject", cmd_reject, "turn a sign-up down")):
        action = actions.add_parser(name, help=text)
        action.add_argument("name", help="the name the person asked for")
        action.set_defaults(handler=handler)


def cmd_list(args: argparse.Namespace) -> int:
    from fediserver import registrations

    async def work() -> None:
        waiting = await registrations.pending()
        if not waiting:
            print("no sign-ups are waiting")
        for one in waiting:
            print(f"{one.username}\t{one.email or '-'}\t{one.created_at:%Y-%m-%d}\t{one.reason[:80]!r}")

    with_database(settings_of(args), work)
    return 0


def _decide(args: argparse.Namespace, approve: bool) -> int:
    from fediserver import registrations
    from fediserver.models import Registration, RegistrationState
    from fediserver.urls import InstanceUrls

    settings = settings_of(args)

    async def work() -> None:
        one = await Registration.get_or_none(username=args.name, state=RegistrationState.PENDING)
        if one is None:
            raise CommandError(f"no sign-up of {args.name!r} is waiting")
        if approve:
            await registrations.approve(InstanceUrls(settings.instance.base_url), one)
            print(f"approved: @{args.name} can sign in now")
        else:
            await registrations.reject(one)
            print(f"rejected: {args.name}")

    with_database(settings, work)
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    return _decide(args, True)


def cmd_reject(args: argparse.Namespace) -> int:
    return _decide(args, False)
