"""``monitord tickets list|show|ack|assign|resolve|close``: on-call work on tickets through the daemon's API.

The rules (a root cause is never blank; no resolve or close while an alert on
the ticket still fires unless ``--force`` with ``--note`` saying why) are the
daemon's (``alerts.tickets``): the CLI only passes the request on.

The CLI runs no event loop, so it uses blocking stdlib HTTP with a timeout. The
daemon comes from ``--url`` or ``$MONITORD_URL``; the token from ``--token`` or
``$MONITORD_TOKEN`` (working tickets needs a technician's or an admin's token;
``list --assignee me`` lists the tickets of the token's own account). Exit 0 on success, 1
when the daemon refuses (the message says why), 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from monitord.cli.global_options import add_global_flags, uses

DEFAULT_URL = "http://127.0.0.1:8470"


class ApiFailure(Exception):
    pass


def _call(
    args: argparse.Namespace,
    method: str,
    path: str,
    body: Any = None,
    query: dict[str, str | None] | None = None,
) -> Any:
    base = (args.url or os.environ.get("MONITORD_URL") or DEFAULT_URL).rstrip("/")
    url = f"{base}/api/v1{path}"
    if query:
        url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v})
    headers = {"Accept": "application/json"}
    token = args.token or os.environ.get("MONITORD_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=args.timeout) as response:  # noqa: S310
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            detail = json.loads(exc.read()).get("error", f"HTTP {exc.code}")
        except ValueError:
            detail = f"HTTP {exc.code}"
        raise ApiFailure(f"{detail} (HTTP {exc.code})") from None
    except (urllib.error.URLError, OSError) as exc:
        raise ApiFailure(f"cannot reach the daemon at {base}: {getattr(exc, 'reason', exc)}") from None


def _line(ticket: dict[str, Any]) -> str:
    flag = " recurring" if ticket["recurring"] else ""
    who = f" @{ticket['assignee']}" if ticket["assignee"] else ""
    return (
        f"#{ticket['id']:<5} {ticket['status']:<12} {ticket['priority']:<6} {ticket['site']:<16} "
        f"{ticket['title']}{flag}{who}"
    )


def _show(ticket: dict[str, Any]) -> str:
    lines = [_line(ticket), f"opened {ticket['opened_at']}"]
    for key in ("acknowledged_at", "resolved_at", "closed_at", "root_cause"):
        if ticket.get(key):
            lines.append(f"{key.replace('_', ' ')}: {ticket[key]}")
    if ticket.get("earlier_faults"):
        lines.append(
            "earlier faults: " + ", ".join(f"#{t['id']} ({t['opened_at']})" for t in ticket["earlier_faults"])
        )
    lines.append(f"alerts ({len(ticket.get('alerts', []))}):")
    for alert in ticket.get("alerts", []):
        state = "recovered" if alert["resolved_at"] else "firing"
        lines.append(f"  {alert['rule']} on {alert['target']}: {state}")
    lines.append("history:")
    for event in ticket.get("history", []):
        seen = f" (seen {event['count']} times, last {event['last_at']})" if event.get("count", 1) > 1 else ""
        lines.append(f"  {event['at']} {event['kind']:<10} {event['actor']}: {event['text']}{seen}")
    return "\n".join(lines)


def handle(args: argparse.Namespace) -> int:
    try:
        if args.action == "list":
            found = _call(
                args,
                "GET",
                "/tickets",
                query={
                    "status": args.status,
                    "priority": args.priority,
                    "site": args.site,
                    "assignee": args.assignee,
                },
            )["tickets"]
            output = json.dumps(found, indent=2) if args.json else "\n".join(_line(t) for t in found)
        elif args.action == "show":
            ticket = _call(args, "GET", f"/tickets/{args.id}")
            output = json.dumps(ticket, indent=2) if args.json else _show(ticket)
        elif args.action == "ack":
            ticket = _call(args, "POST", f"/tickets/{args.id}/ack", body={"text": args.note})
            output = json.dumps(ticket, indent=2) if args.json else _line(ticket)
        elif args.action == "assign":
            ticket = _call(args, "POST", f"/tickets/{args.id}/assign", body={"assignee": args.assignee})
            output = json.dumps(ticket, indent=2) if args.json else _line(ticket)
        elif args.action == "resolve":
            body = {"force": True, "note": args.note} if args.force else {"text": args.note}
            ticket = _call(args, "POST", f"/tickets/{args.id}/resolve", body=body)
            output = json.dumps(ticket, indent=2) if args.json else _line(ticket)
        else:
            body = {"root_cause": args.root_cause}
            if args.force:
                body.update(force=True, note=args.note)
            elif args.note is not None:
                print(
                    "monitord tickets close: --note goes with --force (use --root-cause for the cause)",
                    file=sys.stderr,
                )
                return 2
            ticket = _call(args, "POST", f"/tickets/{args.id}/close", body=body)
            output = json.dumps(ticket, indent=2) if args.json else _line(ticket)
    except ApiFailure as exc:
        print(f"monitord tickets {args.action}: {exc}", file=sys.stderr)
        return 1
    if output:
        print(output)
    return 0


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("tickets", help="list and work on tickets")
    add_global_flags(parser, ("json", "url", "token", "timeout"))
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        action: argparse.ArgumentParser = actions.add_parser(name, help=help_text)
        uses(action, json=False, url=None, token=None, timeout=15.0)
        return action

    listing = add("list", "tickets, newest first")
    listing.add_argument("--status", choices=["open", "acknowledged", "resolved", "closed"])
    listing.add_argument("--priority", choices=["urgent", "normal"])
    listing.add_argument("--site")
    listing.add_argument("--assignee", help="an account name, or me (the token's own account)")
    show = add("show", "one ticket with its history and earlier faults")
    show.add_argument("id", type=int)
    ack = add("ack", "acknowledge (you take it)")
    ack.add_argument("id", type=int)
    ack.add_argument("--note", help="a note for the history")
    assign = add("assign", "assign to an account (a technician may assign only to themselves)")
    assign.add_argument("id", type=int)
    assign.add_argument("assignee", help="the account name (they are told on their contacts)")
    resolve = add("resolve", "resolve by hand (refused while an alert still fires)")
    resolve.add_argument("id", type=int)
    resolve.add_argument("--note", help="a note for the history; with --force, the reason (required)")
    resolve.add_argument(
        "--force", action="store_true", help="resolve although an alert still fires (needs --note)"
    )
    close = add("close", "close; recurring faults need --root-cause")
    close.add_argument("id", type=int)
    close.add_argument("--root-cause", help="what caused the fault (required for recurring ones)")
    close.add_argument(
        "--force", action="store_true", help="close although an alert still fires (needs --note)"
    )
    close.add_argument("--note", help="with --force: why (recorded in the history)")
    parser.set_defaults(handler=handle)
