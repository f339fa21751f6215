"""The ``monitord`` command: run, check-config, probe, version (and more per subsystem).

Each sub-command is a module with ``register(subparsers)``; the handler it sets
returns the exit code. Exit 2 means bad usage or configuration. The global flags
(``--json``, ``--url``, ``--token``, ``-c``) work before and after the command
and its action (see ``global_options``). Only the command being run is imported
(see ``lazy``): add a command with one line in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from monitord.cli.global_options import TOP_LEVEL, add_global_flags, settle
from monitord.cli.lazy import Command, add_commands

COMMANDS: list[Command] = [
    Command("run", "monitord.cli.run", "run the daemon"),
    Command("check-config", "monitord.cli.check_config", "validate a configuration file"),
    Command("probe", "monitord.cli.probe", "run a probe once", nested=True),
    Command("version", "monitord.cli.version", "print the version"),
    Command("ipam", "monitord.cli.ipam", "IP address management"),
    Command("tickets", "monitord.cli.tickets", "list and work on tickets"),
    Command("assets", "monitord.cli.assets", "the equipment register"),
    Command(
        "report",
        "monitord.cli.report",
        "a management report (availability, incidents, backups) as HTML, CSV or PDF",
    ),
    Command("users", "monitord.cli.users", "named accounts: add, passwords, roles, tokens (on the server)"),
]

Handler = Callable[[argparse.Namespace], int]


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with ``argv``, only the command it names is registered in full."""
    parser = argparse.ArgumentParser(
        prog="monitord", description="Network and infrastructure monitoring daemon."
    )
    add_global_flags(parser, TOP_LEVEL)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_commands(subparsers, COMMANDS, argv)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(words)
    args = parser.parse_args(words)
    if getattr(args, "handler", None) is None:
        # A flag's value looked like another command's name (``-c version run``): build
        # every command and parse again.
        parser = build_parser()
        args = parser.parse_args(words)
    settle(parser, args)
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
