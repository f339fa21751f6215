"""What ``monitord probe ssh-log`` and ``monitord probe backup`` share: the connection
options, running the probe once over a fresh SSH pool, and printing its evidence."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry
from pydantic import ValidationError

from monitord.cli.global_options import uses
from monitord.cli.output import print_results, run_with_deadline
from monitord.config.targets import validate_address
from monitord.results import ProbeResult, result_json
from monitord.ssh.pool import SshPool
from probes.base import ProbeContext, ProbeKind, ProbeSettings, ProbeTarget


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("host", metavar="HOST", help="server address or name")
    parser.add_argument("--port", type=int, default=22, help="SSH port (default 22)")
    parser.add_argument("--user", default=None, help="login name (default: your user name)")
    parser.add_argument(
        "--key",
        action="append",
        default=[],
        type=Path,
        metavar="PATH",
        help="private key file (repeatable; default: your ~/.ssh keys and agent)",
    )
    parser.add_argument(
        "--known-hosts",
        type=Path,
        default=Path("~/.ssh/known_hosts").expanduser(),
        metavar="PATH",
        help="known_hosts file (default ~/.ssh/known_hosts)",
    )
    parser.add_argument(
        "--trust-on-first-use",
        action="store_true",
        help="record an unknown host key in --known-hosts instead of failing",
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds for the whole run (default 30)")
    uses(parser, json=False)


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


SshProbeClass = Callable[[SshPool], ProbeKind[Any]]


async def run_over_ssh(kind_class: SshProbeClass, host: str, settings: ProbeSettings) -> list[ProbeResult]:
    """One run of an SSH probe kind against ``host`` with a throw-away state directory."""
    pool = SshPool()
    kind = kind_class(pool)
    with tempfile.TemporaryDirectory() as scratch:
        await kind.open(ProbeContext(state_dir=Path(scratch), registry=CollectorRegistry()))
        try:
            return await run_with_deadline(kind, ProbeTarget(name=host, address=host, site="cli"), settings)
        finally:
            await kind.close()
            await pool.close()


def run_ssh_command(
    args: argparse.Namespace,
    command: str,
    kind_class: SshProbeClass,
    build_settings: Callable[[argparse.Namespace], ProbeSettings],
) -> int:
    """Validate the arguments (exit 2 naming the field), run once, print; exit 0 if nothing is wrong."""
    try:
        validate_address(args.host)
        settings = build_settings(args)
    except ValidationError as exc:
        print(describe_errors(command, exc))
        return 2
    except ValueError as exc:
        print(f"monitord probe {command}: {exc}")
        return 2
    results = asyncio.run(run_over_ssh(kind_class, args.host, settings))
    print_with_evidence(results, args.json)
    # Exit 1 when the host could not be checked or the run found a problem (its reason).
    return 0 if all(r.ok and r.reason is None for r in results) else 1


def print_with_evidence(results: list[ProbeResult], as_json: bool) -> None:
    """Like ``print_results``, plus each result's evidence lines (matching log lines, problems)."""
    if as_json:
        print(json.dumps([{**result_json(r), "evidence": list(r.evidence)} for r in results], indent=2))
        return
    print_results(results, as_json=False)
    for result in results:
        for line in result.evidence:
            print(f"  {line}")
