"""``monitord ipam ...``: the IP register from the shell, through the daemon's HTTP API.

Options common to every sub-command: ``--url`` (or ``$MONITORD_URL``, default
http://127.0.0.1:8470), ``--token`` (or ``$MONITORD_TOKEN``), ``--timeout``, ``--json``;
they may stand before or after the action (``monitord ipam --json audit``, see
``global_options``). Exit codes: 0 done, 1 the daemon refused (message names the field), 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from monitord.cli.global_options import add_global_flags, uses
from monitord.cli.ipam_client import ApiError, IpamClient, import_with_progress

CLIENT_FLAGS = ("json", "url", "token", "timeout")


def _common(parser: argparse.ArgumentParser) -> None:
    uses(parser, json=False, url=None, token=None, timeout=60.0)


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("ipam", help="IP address management")
    add_global_flags(parser, CLIENT_FLAGS)
    commands = parser.add_subparsers(dest="ipam_command", metavar="ACTION", required=True)

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = commands.add_parser(name, help=help_text)
        _common(sub)
        sub.set_defaults(handler=handle, action=name)
        return sub

    sub = add("subnets", "list subnets with utilisation")
    sub.add_argument("--site")
    sub = add("add-subnet", "register a subnet")
    sub.add_argument("cidr")
    sub.add_argument("--name")
    sub.add_argument("--site")
    sub.add_argument("--vlan", type=int)
    sub.add_argument("--description", default="")
    sub = add("delete-subnet", "delete an empty subnet")
    sub.add_argument("subnet_id", type=int)
    sub = add("add-range", "add a named range (DHCP pool, POS terminals, printers...)")
    sub.add_argument("subnet_id", type=int)
    sub.add_argument("name")
    sub.add_argument("first")
    sub.add_argument("last")
    sub.add_argument("--kind", choices=["pool", "dhcp", "reserved"], default="pool")
    sub.add_argument("--description", default="")
    sub = add("set-range", "change a range's kind or description (e.g. mark a pool as DHCP)")
    sub.add_argument("subnet_id", type=int)
    sub.add_argument("name")
    sub.add_argument("--kind", choices=["pool", "dhcp", "reserved"])
    sub.add_argument("--description")
    sub = add("import-ranges", "import named ranges from CSV: subnet,name,kind,first,last,description")
    sub.add_argument("file", type=Path)
    sub.add_argument("--dry-run", action="store_true", help="only check the file, change nothing")
    sub = add("allocate", "hand out the next free (or a given) address")
    sub.add_argument("subnet_id", type=int)
    sub.add_argument("--address")
    sub.add_argument("--range")
    sub.add_argument("--hostname")
    sub.add_argument("--mac")
    sub.add_argument("--description", default="")
    sub.add_argument("--owner")
    sub.add_argument("--target", help="linked monitoring target")
    sub.add_argument("--status", choices=["allocated", "reserved", "dhcp", "offline"], default="allocated")
    sub.add_argument("--check", action="store_true", help="ping candidates first; skip those that answer")
    sub.add_argument("--idempotency-key", help="a retried command with the same key gets the same address")
    sub = add("release", "release an address")
    sub.add_argument("address")
    sub = add("show", "show one address")
    sub.add_argument("address")
    sub = add("find", "find addresses by address, hostname or MAC")
    sub.add_argument("query")
    sub = add("available", "the next N free addresses of a subnet")
    sub.add_argument("subnet_id", type=int)
    sub.add_argument("--count", type=int, default=10)
    sub.add_argument("--range")
    sub = add("import", "import a CSV register (dry run first; progress on stderr)")
    sub.add_argument("file", type=Path)
    sub.add_argument("--dry-run", action="store_true", help="only check the file, change nothing")
    sub.add_argument("--chunk", type=int, default=2000, help="rows per request (default 2000)")
    sub = add("export", "export the register as CSV")
    sub.add_argument("--subnet-id", type=int)
    sub.add_argument("-o", "--output", type=Path, help="file (default: stdout)")
    sub = add("audit", "the audit log, newest first")
    sub.add_argument("--object", help="an address, CIDR or range")
    sub.add_argument("--limit", type=int, default=50)
    sub = add("findings", "reconciliation findings (conflicts, stale, MAC changes)")
    sub.add_argument("--kind", choices=["conflict", "stale", "mac_change"])
    sub = add("reconcile", "sweep the configured subnets now")
    sub.add_argument("--subnet")


def _address_line(a: dict[str, Any]) -> str:
    extras = " ".join(f"{k}={a[k]}" for k in ("hostname", "mac", "owner", "range", "target") if a.get(k))
    return f"{a['address']:<39} {a['status']:<9} {extras}".rstrip()


def _call(client: IpamClient, args: argparse.Namespace) -> Any:
    action = args.action
    if action == "subnets":
        return client.request("GET", "/subnets", query={"site": args.site})[1]
    if action == "add-subnet":
        return client.request(
            "POST",
            "/subnets",
            {
                "cidr": args.cidr,
                "name": args.name,
                "site": args.site,
                "vlan": args.vlan,
                "description": args.description,
            },
        )[1]
    if action == "delete-subnet":
        return client.request("DELETE", f"/subnets/{args.subnet_id}")[1]
    if action == "add-range":
        return client.request(
            "POST",
            f"/subnets/{args.subnet_id}/ranges",
            {
                "name": args.name,
                "kind": args.kind,
                "first": args.first,
                "last": args.last,
                "description": args.description,
            },
        )[1]
    if action == "set-range":
        body = {k: getattr(args, k) for k in ("kind", "description") if getattr(args, k) is not None}
        return client.request("PATCH", f"/subnets/{args.subnet_id}/ranges/{args.name}", body)[1]
    if action == "allocate":
        body = {
            k: getattr(args, k)
            for k in ("address", "range", "hostname", "mac", "owner", "target")
            if getattr(args, k) is not None
        }
        body.update(description=args.description, status=args.status, check=args.check)
        headers = {"Idempotency-Key": args.idempotency_key} if args.idempotency_key else None
        return client.request("POST", f"/subnets/{args.subnet_id}/allocate", body, headers=headers)[1]
    if action == "release":
        return client.request("DELETE", f"/addresses/{args.address}")[1]
    if action == "show":
        return client.request("GET", f"/addresses/{args.address}")[1]
    if action == "find":
        return client.request("GET", "/addresses", query={"q": args.query})[1]
    if action == "available":
        return client.request(
            "GET", f"/subnets/{args.subnet_id}/available", query={"count": args.count, "range": args.range}
        )[1]
    if action == "audit":
        return client.request("GET", "/audit", query={"object": args.object, "limit": args.limit})[1]
    if action == "findings":
        return client.request("GET", "/findings", query={"kind": args.kind})[1]
    if action == "reconcile":
        return client.request("POST", "/reconcile", {"subnet": args.subnet} if args.subnet else {})[1]
    raise AssertionError(action)


def _print(action: str, result: Any) -> None:
    if action == "subnets":
        for s in result["subnets"]:
            u = s["utilisation"]
            print(
                f"{s['id']:>5} {s['cidr']:<20} {u['used']:>7}/{u['total']:<7} {u['percent']:>6.2f}% "
                f"{s['site'] or '-':<16} {s['name'] or ''}".rstrip()
            )
    elif action in ("allocate", "show"):
        print(_address_line(result))
    elif action == "release":
        print(f"released {result['released']['address']}")
    elif action == "find":
        for a in result["addresses"]:
            print(f"{_address_line(a)}  ({a['subnet']})")
    elif action == "available":
        print("\n".join(result["available"]))
    elif action == "audit":
        for e in result["entries"]:
            print(f"{e['at']} {e['actor']:<12} {e['action']:<8} {e['object_type']:<7} {e['object']}")
    elif action == "findings":
        for f in result["findings"]:
            print(f"{f['address']:<39} {f['kind']:<10} {f['detail']}")
    else:
        print(json.dumps(result, indent=2))


def _import(client: IpamClient, args: argparse.Namespace) -> int:
    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"monitord ipam import: {args.file}: {exc}", file=sys.stderr)
        return 2

    def progress(done: int, total: int) -> None:
        print(
            f"\rimported {done}/{total} rows ({100 * done // max(total, 1)} %)",
            end="",
            file=sys.stderr,
            flush=True,
        )

    result = import_with_progress(client, text, max(1, args.chunk), args.dry_run, progress)
    if not args.dry_run and not result["errors"]:
        print(file=sys.stderr)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for error in result["errors"]:
            print(f"{args.file}:{error['line']}: {error['field'] or '-'}: {error['error']}")
        for change in result.get("changes", []):
            print(f"{args.file}:{change['line']}: {change['address']} {change['text']}")
        verb = "would create" if args.dry_run or result["errors"] else "created"
        print(
            f"{result['rows']} rows: {verb} {result['create']}, update {result['update']}, "
            f"unchanged {result['unchanged']}, {len(result['errors'])} bad rows"
            + ("; nothing imported" if result["errors"] and not args.dry_run else "")
        )
    return 1 if result["errors"] else 0


def _import_ranges(client: IpamClient, args: argparse.Namespace) -> int:
    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"monitord ipam import-ranges: {args.file}: {exc}", file=sys.stderr)
        return 2
    try:
        _status, result = client.request(
            "POST",
            "/ranges/import",
            raw=text.encode(),
            content_type="text/csv",
            query={"dry_run": "true"} if args.dry_run else None,
        )
    except ApiError as exc:
        if exc.status != 422 or "errors" not in exc.body:
            raise
        result = exc.body
    if args.json:
        print(json.dumps(result, indent=2))
        return 1 if result["errors"] else 0
    for error in result["errors"]:
        print(f"{args.file}:{error['line']}: {error['field'] or '-'}: {error['error']}")
    for change in result["changes"]:
        print(f"{args.file}:{change['line']}: {change['range']} {change['text']}")
    verb = "would create" if args.dry_run or result["errors"] else "created"
    print(
        f"{result['rows']} rows: {verb} {result['create']}, update {result['update']}, "
        f"unchanged {result['unchanged']}, {len(result['errors'])} bad rows"
        + ("; nothing imported" if result["errors"] and not args.dry_run else "")
    )
    return 1 if result["errors"] else 0


def _export(client: IpamClient, args: argparse.Namespace) -> int:
    _status, text = client.request("GET", "/export", query={"subnet_id": args.subnet_id})
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {max(0, text.count(chr(10)) - 1)} addresses to {args.output}", file=sys.stderr)
    return 0


def handle(args: argparse.Namespace) -> int:
    client = IpamClient.from_options(args.url, args.token, args.timeout)
    try:
        if args.action == "import":
            return _import(client, args)
        if args.action == "export":
            return _export(client, args)
        if args.action == "import-ranges":
            return _import_ranges(client, args)
        result = _call(client, args)
    except ApiError as exc:
        print(f"monitord ipam {args.action}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print(args.action, result)
    return 0
