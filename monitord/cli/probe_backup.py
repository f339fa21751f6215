"""``monitord probe backup HOST --dir PATH --pattern GLOB ...``: verify the newest backup once."""

from __future__ import annotations

import argparse
import asyncio
import shlex
import tempfile
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry
from pydantic import ValidationError

from monitord.cli.output import run_with_deadline
from monitord.cli.probe_ssh_log import print_with_evidence
from monitord.cli.ssh_options import add_connection_arguments, connection_settings, describe_errors
from monitord.config.targets import validate_address
from monitord.results import ProbeResult
from monitord.ssh.pool import SshPool
from probes.backup import BackupProbe, BackupSettings
from probes.base import ProbeContext, ProbeTarget


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "backup", help="check the newest backup in a directory on HOST over SSH")
    add_connection_arguments(parser)
    parser.add_argument("--dir", required=True, metavar="PATH", help="absolute directory on the server")
    parser.add_argument("--pattern", required=True, metavar="GLOB", help="backup file names, e.g. 'db-*.gz'")
    parser.add_argument("--max-age", default=None, metavar="DURATION", help="e.g. 26h (default 26h)")
    parser.add_argument("--due-by", default=None, metavar="HH:MM",
                        help="a backup must exist by this time each day")
    parser.add_argument("--timezone", default="UTC", help="time zone of --due-by (default UTC)")
    parser.add_argument("--min-size", default="1", metavar="SIZE", help="e.g. 10MB (default 1 byte)")
    parser.add_argument("--max-shrink", type=float, default=0.2, metavar="SHARE",
                        help="largest allowed shrink vs the previous backup, 0-1 (default 0.2)")
    parser.add_argument("--checksum", choices=["sha256", "sha512", "sha1", "md5"], default=None,
                        help="compare with the checksum file next to the backup (FILE.<algorithm>)")
    parser.add_argument("--verify", default=None, metavar="COMMAND",
                        help="command run on the server, {path} = the backup, e.g. 'gzip -t {path}'")
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


async def verify_once(host: str, settings: BackupSettings) -> list[ProbeResult]:
    pool = SshPool()
    kind = BackupProbe(pool)
    with tempfile.TemporaryDirectory() as scratch:
        await kind.open(ProbeContext(state_dir=Path(scratch), registry=CollectorRegistry()))
        try:
            return await run_with_deadline(kind, ProbeTarget(name=host, address=host, site="cli"), settings)
        finally:
            await kind.close()
            await pool.close()


def handle(args: argparse.Namespace) -> int:
    try:
        validate_address(args.host)
        settings = build_settings(args)
    except ValidationError as exc:
        print(describe_errors("backup", exc))
        return 2
    except ValueError as exc:
        print(f"monitord probe backup: {exc}")
        return 2
    results = asyncio.run(verify_once(args.host, settings))
    print_with_evidence(results, args.json)
    return 0 if all(r.ok for r in results) else 1
