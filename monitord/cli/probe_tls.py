"""``monitord probe tls HOST:PORT ... [--starttls smtp|imap|pop3] [--server-name N] [--json]``.

Reads and verifies the certificate of SMTPS, IMAPS, LDAPS or a STARTTLS service. Exit 0
when every certificate verified, 1 otherwise, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from pydantic import ValidationError

from monitord.cli.global_options import uses
from monitord.cli.output import print_results, run_with_deadline, settings_error
from monitord.cli.probe_tcp import parse_endpoint
from monitord.results import ProbeResult
from probes.base import ProbeTarget
from probes.tls import TlsProbe, TlsSettings


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "tls", help="read and verify the certificate of HOST:PORT (SMTPS, IMAPS, LDAPS, STARTTLS)"
    )
    parser.add_argument("endpoints", nargs="+", metavar="HOST:PORT")
    parser.add_argument("--starttls", choices=["none", "smtp", "imap", "pop3"], default="none")
    parser.add_argument("--server-name", help="TLS server name (default: HOST)")
    parser.add_argument("--ca-file", help="PEM CA bundle (default: the system store)")
    parser.add_argument("--cert", help="PEM client certificate")
    parser.add_argument("--key", help="PEM client key")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds (default 10)")
    uses(parser, json=False)
    parser.set_defaults(handler=handle)


async def probe_all(runs: list[tuple[str, TlsSettings]]) -> list[ProbeResult]:
    kind = TlsProbe()
    pending = [
        run_with_deadline(kind, ProbeTarget(name=f"{host}:{s.port}", address=host, site="cli"), s)
        for host, s in runs
    ]
    return [result for results in await asyncio.gather(*pending) for result in results]


def handle(args: argparse.Namespace) -> int:
    try:
        runs = []
        for text in args.endpoints:
            host, port = parse_endpoint(text)
            runs.append(
                (
                    host,
                    TlsSettings.model_validate(
                        {
                            "port": port,
                            "starttls": args.starttls,
                            "server_name": args.server_name,
                            "ca_file": args.ca_file,
                            "client_cert": args.cert,
                            "client_key": args.key,
                            "timeout": args.timeout,
                            "interval": 60,
                        }
                    ),
                )
            )
    except ValidationError as exc:
        print(f"monitord probe tls: {settings_error(exc)}")
        return 2
    except ValueError as exc:
        print(f"monitord probe tls: {exc}")
        return 2
    results = asyncio.run(probe_all(runs))
    print_results(results, args.json)
    return 0 if all(r.ok and not r.reason for r in results) else 1
