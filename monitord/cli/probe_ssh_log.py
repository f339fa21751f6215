"""``monitord probe ssh-log HOST --file PATH [--pattern RE] ...``: scan a server's log once.

Without a state store there is no saved offset, so a one-shot run reads the
last ``--max-bytes`` of each file (``--from-start`` reads from the beginning)
and prints the counts and the matching lines.
"""

from __future__ import annotations

import argparse
from typing import Any

from monitord.cli.ssh_options import add_connection_arguments, connection_settings, run_ssh_command
from probes.ssh_log import SshLogProbe, SshLogSettings


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "ssh-log", help="scan log files on HOST over SSH for error patterns"
    )
    add_connection_arguments(parser)
    parser.add_argument(
        "--file",
        action="append",
        required=True,
        metavar="PATH",
        help="absolute path or glob on the server (repeatable)",
    )
    parser.add_argument(
        "--pattern",
        action="append",
        default=[],
        metavar="RE",
        help="regular expression counted as an error (repeatable; default: built-in rules)",
    )
    parser.add_argument(
        "--max-bytes",
        type=int,
        default=1024 * 1024,
        help="bytes read per file (default 1 MiB, the end of the file)",
    )
    parser.add_argument("--from-start", action="store_true", help="read from the start of each file")
    parser.set_defaults(handler=handle)


def build_settings(args: argparse.Namespace) -> SshLogSettings:
    fields: dict[str, Any] = {
        **connection_settings(args),
        "files": tuple(args.file),
        "start_at": "beginning" if args.from_start else "tail",
        "max_bytes_per_run": args.max_bytes,
    }
    if args.pattern:
        fields["rules"] = tuple(
            {"name": f"pattern_{i + 1}", "pattern": pattern} for i, pattern in enumerate(args.pattern)
        )
    return SshLogSettings.model_validate(fields)


def handle(args: argparse.Namespace) -> int:
    return run_ssh_command(args, "ssh-log", SshLogProbe, build_settings)
