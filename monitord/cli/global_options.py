"""Flags that mean the same wherever they stand: before the command, after it, after its action.

``monitord --json ipam audit``, ``monitord ipam --json audit`` and ``monitord
ipam audit --json`` are one request (the README writes the middle one). Every
parser level that may carry a flag declares it with ``add_global_flags``, with
no default (``argparse.SUPPRESS``), so a level where it is absent does not
overwrite what an earlier level set. Each runnable command says which flags it
uses, and with which defaults, through ``uses``; ``settle`` fills the defaults
after parsing and refuses (exit 2) a flag the command would silently ignore,
such as ``--url`` on ``probe tcp``.
"""

from __future__ import annotations

import argparse
from typing import Any

DEFAULT_URL = "http://127.0.0.1:8470"

# dest -> (option strings, add_argument keywords)
FLAGS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "json": (("--json",), {"action": "store_true", "help": "print JSON"}),
    "url": (
        ("--url",),
        {"metavar": "URL", "help": f"daemon API base URL (default $MONITORD_URL or {DEFAULT_URL})"},
    ),
    "token": (("--token",), {"metavar": "TOKEN", "help": "bearer token (default $MONITORD_TOKEN)"}),
    "timeout": (("--timeout",), {"type": float, "metavar": "SECONDS", "help": "seconds per request"}),
    "config": (
        ("-c", "--config"),
        {"metavar": "FILE", "help": "config file (default $MONITORD_CONFIG or /etc/monitord/monitord.yaml)"},
    ),
}
# What the top level accepts before any command (--timeout is not there: probes give it other units).
TOP_LEVEL = ("json", "url", "token", "config")
_PREFIX = "_global_"  # parsed under their own names: a command's own --timeout is not the global one
_USES = "_global_flag_defaults"
_COMMAND = "_global_flag_command"


def add_global_flags(parser: argparse.ArgumentParser, names: tuple[str, ...]) -> None:
    """Let ``parser`` carry these flags; their value is set only where they are given."""
    for name in names:
        option_strings, keywords = FLAGS[name]
        parser.add_argument(*option_strings, dest=_PREFIX + name, default=argparse.SUPPRESS, **keywords)


def uses(parser: argparse.ArgumentParser, **defaults: Any) -> None:
    """``parser`` is a runnable command that reads these flags (and may carry them itself)."""
    unknown = set(defaults) - set(FLAGS)
    if unknown:
        raise ValueError(f"not global flags: {sorted(unknown)}")
    add_global_flags(parser, tuple(defaults))
    parser.set_defaults(**{_USES: defaults, _COMMAND: parser.prog})


def settle(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Fill in defaults; exit 2 when a global flag was given to a command that ignores it."""
    given = vars(args)
    defaults: dict[str, Any] = given.pop(_USES, {})
    command = given.pop(_COMMAND, parser.prog)
    for name, (option_strings, _keywords) in FLAGS.items():
        if _PREFIX + name in given:
            value = given.pop(_PREFIX + name)
            if name not in defaults:
                parser.error(f"{option_strings[-1]} does not apply to '{command}'")
            setattr(args, name, value)
        elif name in defaults:
            setattr(args, name, defaults[name])
