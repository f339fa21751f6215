"""``monitord version``."""

from __future__ import annotations

import argparse
import platform
from typing import Any

from monitord import __version__
from monitord.cli.global_options import uses


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("version", help="print the version")
    uses(parser)  # no global flag applies
    parser.set_defaults(handler=handle)


def handle(_args: argparse.Namespace) -> int:
    print(f"monitord {__version__} (Python {platform.python_version()})")
    return 0
