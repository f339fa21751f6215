"""``monitord probe http URL ... [--method M] [--status N] [--body-match RE] [--json]``.

One check per URL with the daemon's settings model, so the command accepts exactly
what a configuration accepts; prints the phases and the certificate. Exit 0 when
every URL answered as expected with a valid certificate, 1 otherwise, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from pydantic import ValidationError

from monitord.cli.global_options import uses
from monitord.cli.output import print_results, run_with_deadline, settings_error
from monitord.results import ProbeResult
from probes.base import ProbeTarget
from probes.http import HttpProbe, HttpSettings


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "http", help="request URLs once: status, phases, certificate"
    )
    parser.add_argument("urls", nargs="+", metavar="URL")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--data", default="", help="request body")
    parser.add_argument(
        "--header", action="append", default=[], metavar="'NAME: VALUE'", help="request header (repeatable)"
    )
    parser.add_argument(
        "--status",
        type=int,
        action="append",
        default=[],
        metavar="CODE",
        help="expected status code (repeatable; default any 2xx)",
    )
    parser.add_argument("--body-match", metavar="RE2", help="pattern the body must contain")
    parser.add_argument(
        "--require-header",
        action="append",
        default=[],
        metavar="NAME[=RE2]",
        help="answer header that must be present (repeatable)",
    )
    parser.add_argument("--no-follow", action="store_true", help="do not follow redirects")
    family = parser.add_mutually_exclusive_group()
    family.add_argument("-4", dest="ip", action="store_const", const="ip4", help="IPv4 only")
    family.add_argument("-6", dest="ip", action="store_const", const="ip6", help="IPv6 only")
    parser.add_argument("--proxy", metavar="http://HOST:PORT")
    parser.add_argument("--ca-file", help="PEM CA bundle (default: the system store)")
    parser.add_argument("--cert", help="PEM client certificate")
    parser.add_argument("--key", help="PEM client key")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds (default 10)")
    uses(parser, json=False)
    parser.set_defaults(handler=handle)


def settings_for(url: str, args: argparse.Namespace) -> HttpSettings:
    """The settings model from the flags; ValidationError/ValueError name what is wrong."""
    headers = {}
    for text in args.header:
        name, sep, value = text.partition(":")
        if not sep:
            raise ValueError(f"--header {text!r}: expected 'NAME: VALUE'")
        headers[name.strip()] = value.strip()
    required = {}
    for text in args.require_header:
        name, _, pattern = text.partition("=")
        required[name.strip()] = pattern
    values: dict[str, Any] = {
        "url": url,
        "method": args.method,
        "body": args.data,
        "headers": headers,
        "valid_status_codes": args.status,
        "body_match": args.body_match,
        "required_headers": required,
        "follow_redirects": not args.no_follow,
        "proxy": args.proxy,
        "ca_file": args.ca_file,
        "client_cert": args.cert,
        "client_key": args.key,
        "timeout": args.timeout,
        "interval": 60,
    }
    if args.ip is not None:
        values.update(preferred_ip_protocol=args.ip, ip_protocol_fallback=False)
    return HttpSettings.model_validate(values)


async def probe_all(settings: list[HttpSettings]) -> list[ProbeResult]:
    kind = HttpProbe()
    runs = [run_with_deadline(kind, ProbeTarget(name=s.url, address="cli", site="cli"), s) for s in settings]
    return [result for results in await asyncio.gather(*runs) for result in results]


def handle(args: argparse.Namespace) -> int:
    try:
        settings = [settings_for(url, args) for url in args.urls]
    except ValidationError as exc:
        print(f"monitord probe http: {settings_error(exc)}")
        return 2
    except ValueError as exc:
        print(f"monitord probe http: {exc}")
        return 2
    results = asyncio.run(probe_all(settings))
    print_results(results, args.json)
    return 0 if all(r.ok and not r.reason for r in results) else 1
