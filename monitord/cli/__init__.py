"""The ``monitord`` command: run, check-config, probe, version (and more per subsystem).

Each sub-command is a module with ``register(subparsers)``; the handler it sets
returns the exit code. Exit 2 means bad usage or configuration. The global flags
(``--json``, ``--url``, ``--token``, ``-c``) work before and after the command
and its action (see ``global_options``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

from monitord.cli import check_config, ipam, probe, run, tickets, users, version
from monitord.cli.global_options import TOP_LEVEL, add_global_flags, settle

COMMAND_MODULES: list[ModuleType] = [run, check_config, probe, version, ipam, tickets, users]

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="monitord", description="Network and infrastructure monitoring daemon."
    )
    add_global_flags(parser, TOP_LEVEL)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
