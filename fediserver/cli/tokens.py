"""Client API tokens: ``token create NAME [--scopes "read write"]`` prints a new bearer
token for a local account (only its digest is stored). Apps get theirs through OAuth;
this is for scripts."""

from __future__ import annotations

import argparse

from fediserver.cli.common import CommandError, command_group, settings_of, with_database


def register(commands) -> None:
    actions = command_group(commands, "token", "manage client API tokens", "token commands")
    create = actions.add_parser("create", help="print a new bearer token for the client API")
    create.add_argument("name", help="the local account the token acts for")
    create.add_argument("--label", default="cli", help="a note to recognise the token by")
    create.add_argument(
        "--scopes", default="read write follow",
        help='what the token may do, as OAuth scopes (default "read write follow"; e.g. "read:statuses write:media")',
    )
    create.set_defaults(handler=cmd_token_create)


def cmd_token_create(args: argparse.Namespace) -> int:
    from fediserver.local_accounts import AccountError, create_api_token
    from fediserver.oauth.scopes import ScopeError

    async def work() -> None:
        try:
            token = await create_api_token(args.name, args.label, scopes=args.scopes)
        except (AccountError, ScopeError) as exc:
            raise CommandError(str(exc)) from None
        print(token)

    with_database(settings_of(args), work)
    return 0
