"""``monitord report``: fetch a management report from the daemon as HTML, CSV or PDF.

``monitord report --period last-month --format pdf -o report.pdf`` asks the
running daemon (``GET /api/v1/reports/{kind}``, read token), which builds the
report from its rollup and ticket records; the CLI only saves the answer. With
no ``-o`` the report goes to standard output (a PDF or zip only when it is not
a terminal). Exit 0 on success, 1 when the daemon refuses (the message names
the field), 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from monitord.cli.global_options import DEFAULT_URL, uses
from monitord.config.reports import PERIOD_NAMES, REPORT_KINDS


class ReportFailure(Exception):
    pass


def fetch(args: argparse.Namespace) -> tuple[bytes, str]:
    """(body, content type) of the report the arguments ask for."""
    base = (args.url or os.environ.get("MONITORD_URL") or DEFAULT_URL).rstrip("/")
    query = {
        "period": args.period,
        "from": args.start,
        "to": args.end,
        "format": args.format,
        "table": args.table,
    }
    address = f"{base}/api/v1/reports/{urllib.parse.quote(args.kind)}?" + urllib.parse.urlencode(
        {k: v for k, v in query.items() if v}
    )
    headers = {}
    token = args.token or os.environ.get("MONITORD_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(address, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=args.timeout) as response:  # noqa: S310
            return response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        try:
            answer = json.loads(exc.read())
            detail = answer.get("error", f"HTTP {exc.code}")
        except ValueError:
            detail = f"HTTP {exc.code}"
        raise ReportFailure(f"{detail} (HTTP {exc.code})") from None
    except (urllib.error.URLError, OSError) as exc:
        raise ReportFailure(f"cannot reach the daemon at {base}: {getattr(exc, 'reason', exc)}") from None


def handle(args: argparse.Namespace) -> int:
    if (args.start is None) != (args.end is None):
        print("monitord report: --from and --to go together", file=sys.stderr)
        return 2
    if args.table is not None and args.format != "csv":
        print("monitord report: --table goes with --format csv", file=sys.stderr)
        return 2
    try:
        body, content_type = fetch(args)
    except ReportFailure as exc:
        print(f"monitord report: {exc}", file=sys.stderr)
        return 1
    if args.output is not None:
        try:
            Path(args.output).write_bytes(body)
        except OSError as exc:
            print(f"monitord report: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
            return 1
        print(f"{args.output}: {len(body)} bytes ({content_type.split(';')[0]})", file=sys.stderr)
        return 0
    binary = not content_type.startswith(("text/", "application/json"))
    if binary and sys.stdout.isatty():
        print("monitord report: a PDF or zip is not for a terminal; use -o FILE", file=sys.stderr)
        return 2
    sys.stdout.buffer.write(body)
    sys.stdout.flush()
    return 0


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "report", help="a management report (availability, incidents, backups) as HTML, CSV or PDF"
    )
    uses(parser, url=None, token=None, timeout=120.0)
    parser.add_argument(
        "kind",
        nargs="?",
        default="management",
        choices=REPORT_KINDS,
        help="which report (default management)",
    )
    parser.add_argument("--period", choices=PERIOD_NAMES, help="a named period (default last-month)")
    parser.add_argument("--from", dest="start", metavar="DATE", help="start: YYYY-MM-DD or an ISO 8601 time")
    parser.add_argument("--to", dest="end", metavar="DATE", help="end (exclusive), with --from")
    parser.add_argument("--format", choices=["html", "csv", "pdf"], default="html", help="default html")
    parser.add_argument("--table", help="with --format csv: only this table (else a zip of all)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    parser.set_defaults(handler=handle)
