"""``monitord probe ssh-log HOST --file PATH [--pattern RE] ...``: scan a server's log once.

Without a state store there is no saved offset, so a one-shot run reads the
last ``--max-bytes`` of each file (``--from-start`` reads from the beginning)
and prints the counts and the matching lines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry
from pydantic import ValidationError

from monitord.cli.output import print_results, result_json, run_with_deadline
from monitord.cli.ssh_options import add_connection_arguments, connection_settings, describe_errors
from monitord.config.targets import validate_address
from monitord.results import ProbeResult
from monitord.ssh.pool import SshPool
from probes.base import ProbeContext, ProbeTarget
from probes.ssh_log import SshLogProbe, SshLogSettings


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "ssh-log", help="scan log files on HOST over SSH for error patterns")
    add_connection_arguments(parser)
    parser.add_argument("--file", action="append", required=True, metavar="PATH",
                        help="absolute path or glob on the server (repeatable)")
    parser.add_argument("--pattern", action="append", default=[], metavar="RE",
                        help="regular expression counted as an error (repeatable; default: built-in rules)")
    parser.add_argument("--max-bytes", type=int, default=1024 * 1024,
                        help="bytes read per file (default 1 MiB, the end of the file)")
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
        fields["rules"] = tuple({"name": f"pattern_{i + 1}", "pattern": pattern}
                                for i, pattern in enumerate(args.pattern))
    return SshLogSettings.model_validate(fields)


async def scan_once(host: str, settings: SshLogSettings) -> list[ProbeResult]:
    pool = SshPool()
    kind = SshLogProbe(pool)
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
        print(describe_errors("ssh-log", exc))
        return 2
    except ValueError as exc:
        print(f"monitord probe ssh-log: {exc}")
        return 2
    results = asyncio.run(scan_once(args.host, settings))
    print_with_evidence(results, args.json)
    return 0 if all(r.ok for r in results) else 1


def print_with_evidence(results: list[ProbeResult], as_json: bool) -> None:
    """Like ``print_results``, plus each result's evidence lines (matching log lines, problems)."""
    if as_json:
        print(json.dumps([{**result_json(r), "evidence": list(r.evidence)} for r in results], indent=2))
        return
    print_results(results, as_json=False)
    for result in results:
        for line in result.evidence:
            print(f"  {line}")
