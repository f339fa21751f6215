"""``monitord probe backup HOST --dir PATH --pattern GLOB ...``: verify the newest backup once."""

from __future__ import annotations

import argparse
import shlex
from typing import Any

from monitord.cli.ssh_options import add_connection_arguments, connection_settings, run_ssh_command
from probes.backup import BackupProbe, BackupSettings


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "backup", help="check the newest backup in a directory on HOST over SSH"
    )
    add_connection_arguments(parser)
    parser.add_argument("--dir", required=True, metavar="PATH", help="absolute directory on the server")
    parser.add_argument("--pattern", required=True, metavar="GLOB", help="backup file names, e.g. 'db-*.gz'")
    parser.add_argument("--max-age", default=None, metavar="DURATION", help="e.g. 26h (default 26h)")
    parser.add_argument(
        "--due-by", default=None, metavar="HH:MM", help="a backup must exist by this time each day"
    )
    parser.add_argument("--timezone", default="UTC", help="time zone of --due-by (default UTC)")
    parser.add_argument("--min-size", default="1", metavar="SIZE", help="e.g. 10MB (default 1 byte)")
    parser.add_argument(
        "--max-shrink",
        type=float,
        default=0.2,
        metavar="SHARE",
        help="largest allowed shrink vs the previous backup, 0-1 (default 0.2)",
    )
    parser.add_argument(
        "--checksum",
        choices=["sha256", "sha512", "sha1", "md5"],
        default=None,
        help="compare with the checksum file next to the backup (FILE.<algorithm>)",
    )
    parser.add_argument(
        "--verify",
        default=None,
        metavar="COMMAND",
        help="command run on the server, {path} = the backup, e.g. 'gzip -t {path}'",
    )
    parser.set_defaults(handler=handle)


def build_settings(args: argparse.Namespace) -> BackupSettings:
    fields: dict[str, Any] = {
        **connection_settings(args),
        "directory": args.dir,
        "pattern": args.pattern,
        "timezone": args.timezone,
        "min_size": args.min_size,
        "max_shrink": args.max_shrink,
        "checksum": args.checksum,
    }
    if args.max_age is not None:
        fields["max_age"] = args.max_age
    if args.due_by is not None:
        fields["due_by"] = args.due_by
    if args.verify:
        fields["verify_command"] = tuple(shlex.split(args.verify))
    return BackupSettings.model_validate(fields)


def handle(args: argparse.Namespace) -> int:
    return run_ssh_command(args, "backup", BackupProbe, build_settings)
