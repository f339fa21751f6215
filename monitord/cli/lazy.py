"""Sub-commands registered by name, with only the one being run imported.

``monitord version`` used to import every command module and, through them,
every probe, SQLAlchemy, aiohttp and asyncssh: 1.0 s before printing one line
(issue 20: at most 150 ms; ``monitord probe tcp`` at most 300 ms end to end).
A table names each command's module and help text; the parser lists every
command with its help, but only the command the argument list selects is
imported and registered in full. ``monitord --help`` imports no command module
at all. With no argument list (tests, documentation) every command is
registered in full, so the complete parser is still one call away.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Command:
    """One sub-command: its word, the module whose ``register(subparsers)`` defines it, its help.

    ``nested`` commands choose among sub-commands of their own the same way; their
    ``register`` takes the remaining argument list as a second argument.
    """

    name: str
    module: str
    help: str
    nested: bool = False


def selected(argv: Sequence[str] | None, commands: Sequence[Command]) -> Command | None:
    """The command the argument list names: the first word that is a command's name."""
    if argv is None:
        return None
    by_name = {command.name: command for command in commands}
    for word in argv:
        if word in by_name:
            return by_name[word]
    return None


def add_commands(subparsers: Any, commands: Sequence[Command], argv: Sequence[str] | None) -> None:
    """Register ``commands`` under ``subparsers``: all in full when ``argv`` is None, else lazily.

    A command that ``argv`` does not select gets a name-and-help placeholder, enough
    for the command list in ``--help`` and for argparse's "invalid choice" message.
    """
    chosen = selected(argv, commands)
    for command in commands:
        if argv is not None and command is not chosen:
            subparsers.add_parser(command.name, help=command.help)
            continue
        module = importlib.import_module(command.module)
        if command.nested:
            rest = None if argv is None else list(argv)[list(argv).index(command.name) + 1 :]
            module.register(subparsers, rest)
        else:
            module.register(subparsers)
