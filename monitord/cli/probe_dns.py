"""``monitord probe dns SERVER NAME [--type T] [--tcp] [--port P] [--expect RDATA] [--json]``.

One query to SERVER with the daemon's settings model. Exit 0 when the server answered
with an expected rcode and every expected record, 1 otherwise, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from pydantic import ValidationError

from monitord.cli.global_options import uses
from monitord.cli.output import print_results, run_with_deadline, settings_error
from monitord.config.targets import validate_address
from probes.base import ProbeTarget
from probes.dns import DnsProbe, DnsSettings


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("dns", help="query a DNS server once")
    parser.add_argument("server", metavar="SERVER")
    parser.add_argument("name", metavar="NAME")
    parser.add_argument("--type", default="A", help="record type (default A)")
    parser.add_argument("--tcp", action="store_true", help="query over TCP (default UDP)")
    parser.add_argument("--port", type=int, default=53)
    parser.add_argument("--no-recurse", action="store_true", help="clear the RD flag")
    parser.add_argument(
        "--rcode", action="append", default=[], help="expected rcode (repeatable; default NOERROR)"
    )
    parser.add_argument(
        "--expect",
        action="append",
        default=[],
        metavar="RDATA",
        help="record that must be in the answer (repeatable)",
    )
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds (default 3)")
    uses(parser, json=False)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    try:
        server = validate_address(args.server)
        values: dict[str, Any] = {
            "query_name": args.name,
            "query_type": args.type,
            "transport": "tcp" if args.tcp else "udp",
            "port": args.port,
            "recursion_desired": not args.no_recurse,
            "expected_answers": args.expect,
            "timeout": args.timeout,
            "interval": 60,
        }
        if args.rcode:
            values["expected_rcodes"] = args.rcode
        settings = DnsSettings.model_validate(values)
    except ValidationError as exc:
        print(f"monitord probe dns: {settings_error(exc)}")
        return 2
    except ValueError as exc:
        print(f"monitord probe dns: {args.server}: {exc}")
        return 2
    target = ProbeTarget(name=f"{server} {args.name}", address=server, site="cli")
    results = asyncio.run(run_with_deadline(DnsProbe(), target, settings))
    print_results(results, args.json)
    return 0 if all(r.ok and not r.reason for r in results) else 1
