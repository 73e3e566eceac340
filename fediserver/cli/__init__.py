"""The ``fediserver`` command: set up, run and administer an instance.

One module per subject registers its commands on the parser: ``instance`` (init,
check-config, migrate), ``serving`` (run, worker), ``accounts``, ``registrations``, ``tokens``,
``moderation`` (reports, account actions, the audit log), ``domains`` (domain blocks),
``delivery`` and ``media``. A new command goes in the module of its subject.

Every command reads the configuration the same way (``--config``, else
``$FEDISERVER_CONFIG``, else ``./config.toml``); a configuration problem ends the
command with one line naming the key and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from fediserver import __version__
from fediserver.cli import accounts, delivery, domains, instance, media, moderation, registrations, serving, tokens
from fediserver.cli.common import EXIT_USAGE, CommandError
from fediserver.config import ConfigError

# In the order ``fediserver --help`` lists them.
SUBJECTS = (instance, serving, accounts, registrations, moderation, domains, delivery, tokens, media)


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
    for subject in SUBJECTS:
        subject.register(commands)
    return parser
