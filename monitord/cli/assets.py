"""``monitord assets ...``: the equipment register from the shell.

Actions: list, show, history, add, set, import, export, discover.

Everything goes through the daemon's HTTP API (``/api/v1/assets``), so the
CLI, the API and a CSV import share one set of rules and one audit log. Client
flags (``--url``, ``--token``, ``--timeout``, ``--json``) work before or after
the action. Exit codes: 0 done, 1 the daemon refused (the message names the
field), 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, ClassVar

from monitord.cli.global_options import add_global_flags, uses
from monitord.cli.ipam_client import ApiError, IpamClient, import_with_progress

CLIENT_FLAGS = ("json", "url", "token", "timeout")
KINDS = (
    "server",
    "switch",
    "router",
    "firewall",
    "access-point",
    "pos-till",
    "receipt-printer",
    "pc",
    "laptop",
    "ups",
    "printer",
    "other",
)
STATUSES = ("in-use", "spare", "in-repair", "retired")
# option -> body field, for add and set
TEXT_FIELDS = (
    "vendor",
    "model",
    "serial",
    "firmware",
    "room",
    "rack",
    "owner",
    "purchase_date",
    "warranty_end",
    "notes",
    "target",
    "pos_terminal",
)
CLEARABLE = (*TEXT_FIELDS, "addresses")


class AssetsClient(IpamClient):
    API_PATH: ClassVar[str] = "/api/v1/assets"


def _fields(sub: argparse.ArgumentParser, *, changing: bool) -> None:
    sub.add_argument("--kind", choices=KINDS, required=not changing)
    sub.add_argument("--site", required=not changing)
    sub.add_argument("--status", choices=STATUSES)
    for name in TEXT_FIELDS:
        sub.add_argument(f"--{name.replace('_', '-')}", dest=name)
    sub.add_argument(
        "--address", dest="addresses", action="append", help="a linked IPAM address (repeat for more)"
    )
    if changing:
        sub.add_argument(
            "--clear", action="append", choices=CLEARABLE, default=[], help="clear a field (repeatable)"
        )


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("assets", help="the equipment register")
    add_global_flags(parser, CLIENT_FLAGS)
    commands = parser.add_subparsers(dest="assets_command", metavar="ACTION", required=True)

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = commands.add_parser(name, help=help_text)
        uses(sub, json=False, url=None, token=None, timeout=60.0)
        sub.set_defaults(handler=handle, action=name)
        return sub

    sub = add("list", "list assets (filters combine)")
    sub.add_argument("--site")
    sub.add_argument("--kind", choices=KINDS)
    sub.add_argument("--status", choices=STATUSES)
    sub.add_argument("--warranty-before", dest="warranty_before", help="warranty ends before YYYY-MM-DD")
    sub.add_argument("--search", dest="q", help="part of the tag, serial, model, vendor, owner or target")
    sub = add("show", "one asset with its discovered facts")
    sub.add_argument("tag")
    sub = add("history", "every change of an asset, newest first")
    sub.add_argument("tag")
    sub.add_argument("--limit", type=int, default=50)
    sub = add("add", "register an asset")
    sub.add_argument("tag")
    _fields(sub, changing=False)
    sub = add("set", "change fields of an asset")
    sub.add_argument("tag")
    _fields(sub, changing=True)
    sub = add("import", "import assets from CSV (dry run first; progress on stderr)")
    sub.add_argument("file", type=Path)
    sub.add_argument("--dry-run", action="store_true", help="only check the file, change nothing")
    sub.add_argument("--chunk", type=int, default=2000, help="rows per request (default 2000)")
    sub = add("export", "export the register as CSV")
    sub.add_argument("--site")
    sub.add_argument("--status", choices=STATUSES)
    sub.add_argument("-o", "--output", type=Path, help="file (default: stdout)")
    sub = add("discover", "ask a target what it is now and judge the drift of its assets")
    sub.add_argument("target")


def _body(args: argparse.Namespace) -> dict[str, Any]:
    body: dict[str, Any] = {
        name: getattr(args, name)
        for name in ("kind", "site", "status", *TEXT_FIELDS, "addresses")
        if getattr(args, name, None) is not None
    }
    for name in getattr(args, "clear", []):
        body[name] = None
    return body


def _line(a: dict[str, Any]) -> str:
    what = " ".join(p for p in (a["vendor"], a["model"]) if p)
    where = "/".join(p for p in (a["site"], a["room"], a["rack"]) if p)
    warranty = f"warranty {a['warranty_end']}" if a["warranty_end"] else ""
    return f"{a['tag']:<16} {a['kind']:<15} {a['status']:<9} {where:<28} {what} {warranty}".rstrip()


def _show(a: dict[str, Any]) -> None:
    for name in (
        "tag",
        "kind",
        "status",
        "vendor",
        "model",
        "serial",
        "firmware",
        "site",
        "room",
        "rack",
        "owner",
        "purchase_date",
        "warranty_end",
        "target",
        "pos_terminal",
    ):
        if a.get(name):
            print(f"{name + ':':<15} {a[name]}")
    if a.get("addresses"):
        print(f"{'addresses:':<15} {' '.join(a['addresses'])}")
    if a.get("notes"):
        print(f"{'notes:':<15} {a['notes']}")
    for name, fact in (a.get("facts") or {}).items():
        print(f"  {name:<15} {fact['value']}  ({fact['source']}, seen {fact['last_seen']})")
    run = a.get("discovery")
    if run:
        state = f"error: {run['error']}" if run["error"] else "ok"
        print(f"discovery:      {run['attempted_at']} via {run['target']}: {state}")
    for kind, reason in (a.get("drift") or {}).items():
        if reason:
            print(f"DRIFT {kind}: {reason}")
    for change in a.get("changes", []):
        print(f"changed {change['text']}")


def _call(client: IpamClient, args: argparse.Namespace) -> Any:
    action = args.action
    if action == "list":
        query = {k: getattr(args, k) for k in ("site", "kind", "status", "warranty_before", "q")}
        return client.request("GET", "", query=query)[1]
    if action == "show":
        return client.request("GET", f"/{args.tag}")[1]
    if action == "history":
        return client.request("GET", f"/{args.tag}/history", query={"limit": args.limit})[1]
    if action == "add":
        return client.request("POST", "", {"tag": args.tag, **_body(args)})[1]
    if action == "set":
        return client.request("PATCH", f"/{args.tag}", _body(args))[1]
    if action == "discover":
        return client.request("POST", "/discover", query={"target": args.target})[1]
    raise AssertionError(action)


def _print(action: str, result: Any) -> None:
    if action == "list":
        for a in result["assets"]:
            print(_line(a))
        print(f"{result['count']} of {result['total']} assets", file=sys.stderr)
    elif action in ("show", "add", "set"):
        _show(result)
    elif action == "history":
        for e in result["entries"]:
            texts = "; ".join(c["text"] for c in e["changes"]) or "-"
            print(f"{e['at']} {e['actor']:<12} {e['action']:<8} {texts}")
    elif action == "discover":
        for a in result["assets"]:
            _show(a)
    else:
        print(json.dumps(result, indent=2))


def _import(client: IpamClient, args: argparse.Namespace) -> int:
    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"monitord assets import: {args.file}: {exc}", file=sys.stderr)
        return 2

    def progress(done: int, total: int) -> None:
        print(f"\rimported {done}/{total} rows", end="", file=sys.stderr, flush=True)

    result = import_with_progress(client, text, max(1, args.chunk), args.dry_run, progress)
    if not args.dry_run and not result["errors"]:
        print(file=sys.stderr)
    if args.json:
        print(json.dumps(result, indent=2))
        return 1 if result["errors"] else 0
    for error in result["errors"]:
        print(f"{args.file}:{error['line']}: {error['field'] or '-'}: {error['error']}")
    for change in result.get("changes", []):
        print(f"{args.file}:{change['line']}: {change['tag']} {change['text']}")
    verb = "would create" if args.dry_run or result["errors"] else "created"
    print(
        f"{result['rows']} rows: {verb} {result['create']}, update {result['update']}, "
        f"unchanged {result['unchanged']}, {len(result['errors'])} bad rows"
        + ("; nothing imported" if result["errors"] and not args.dry_run else "")
    )
    return 1 if result["errors"] else 0


def _export(client: IpamClient, args: argparse.Namespace) -> int:
    _status, text = client.request("GET", "/export", query={"site": args.site, "status": args.status})
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {max(0, text.count(chr(10)) - 1)} assets to {args.output}", file=sys.stderr)
    return 0


def handle(args: argparse.Namespace) -> int:
    client = AssetsClient.from_options(args.url, args.token, args.timeout)
    try:
        if args.action == "import":
            return _import(client, args)
        if args.action == "export":
            return _export(client, args)
        result = _call(client, args)
    except ApiError as exc:
        print(f"monitord assets {args.action}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print(args.action, result)
    return 0
