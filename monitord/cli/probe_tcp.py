"""``monitord probe tcp HOST:PORT [--timeout S] [--json]``."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from monitord.cli.global_options import uses
from monitord.cli.output import print_results, run_with_deadline
from monitord.config.targets import validate_address
from monitord.results import ProbeResult
from probes.base import ProbeTarget
from probes.tcp import TcpProbe, TcpSettings


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("tcp", help="TCP connect to HOST:PORT")
    parser.add_argument("endpoints", nargs="+", metavar="HOST:PORT")
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds (default 3)")
    uses(parser, json=False)
    parser.set_defaults(handler=handle)


def parse_endpoint(text: str) -> tuple[str, int]:
    """``host:port`` or ``[v6]:port``; raises ValueError with the reason."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{text}: expected HOST:PORT with a port 1-65535")
    host = host.strip("[]")
    validate_address(host)
    return host, int(port)


async def probe_all(endpoints: list[tuple[str, int]], timeout: float) -> list[ProbeResult]:
    """Every endpoint at once, each under its own deadline."""
    kind = TcpProbe()
    runs = [
        run_with_deadline(
            kind,
            ProbeTarget(name=f"{host}:{port}", address=host, site="cli"),
            TcpSettings(port=port, timeout=timeout, interval=60),
        )
        for host, port in endpoints
    ]
    return [result for results in await asyncio.gather(*runs) for result in results]


def handle(args: argparse.Namespace) -> int:
    try:
        endpoints = [parse_endpoint(e) for e in args.endpoints]
    except ValueError as exc:
        print(f"monitord probe tcp: {exc}")
        return 2
    results = asyncio.run(probe_all(endpoints, args.timeout))
    print_results(results, args.json)
    return 0 if all(r.ok for r in results) else 1
