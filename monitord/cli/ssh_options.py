"""Connection options shared by ``monitord probe ssh-log`` and ``monitord probe backup``."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path
from typing import Any

from pydantic import ValidationError


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("host", metavar="HOST", help="server address or name")
    parser.add_argument("--port", type=int, default=22, help="SSH port (default 22)")
    parser.add_argument("--user", default=None, help="login name (default: your user name)")
    parser.add_argument("--key", action="append", default=[], type=Path, metavar="PATH",
                        help="private key file (repeatable; default: your ~/.ssh keys and agent)")
    parser.add_argument("--known-hosts", type=Path, default=Path("~/.ssh/known_hosts").expanduser(),
                        metavar="PATH", help="known_hosts file (default ~/.ssh/known_hosts)")
    parser.add_argument("--trust-on-first-use", action="store_true",
                        help="record an unknown host key in --known-hosts instead of failing")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds for the whole run (default 30)")
    parser.add_argument("--json", action="store_true", help="print JSON")


def connection_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The SshSettings fields the connection arguments set."""
    return {
        "port": args.port,
        "username": args.user or getpass.getuser(),
        "client_keys": tuple(args.key),
        "known_hosts": args.known_hosts,
        "trust_on_first_use": args.trust_on_first_use,
        "timeout": args.timeout,
        "connect_timeout": min(args.timeout, 10.0),
        "interval": 60,
    }


def describe_errors(command: str, exc: ValidationError) -> str:
    """``command: field: message`` lines, as config errors are reported."""
    lines = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "arguments"
        lines.append(f"monitord probe {command}: {where}: {error['msg']}")
    return "\n".join(lines)
