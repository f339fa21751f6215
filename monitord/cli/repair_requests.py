"""``monitord tickets open|assign|log|worklog``: the help desk's and technicians' side of tickets.

Open a repair request, assign a ticket to a technician (who is sent it), log
time spent and parts used, and read a ticket's work log. The rules (known
category and site, a technician as assignee, a resolution to close a request)
are the daemon's (``monitord.repairs``); these commands only pass requests on,
through the same HTTP client as the other ``tickets`` actions.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

ACTIONS = ("open", "log", "worklog")
Call = Callable[..., Any]


def _request_line(ticket: dict[str, Any]) -> str:
    request = ticket.get("request") or {}
    who = f" @{ticket['assignee']}" if ticket.get("assignee") else ""
    flag = " recurring" if ticket.get("recurring") else ""
    return (
        f"#{ticket['id']:<5} {ticket['status']:<12} {ticket['priority']:<6} {ticket['site']:<16} "
        f"{ticket['title']}{flag}{who}"
        + (f"\n       reported by {request['reporter']} ({request['contact']})" if request else "")
    )


def _worklog_text(log: dict[str, Any]) -> str:
    lines = [f"ticket #{log['ticket_id']}: {log['total_minutes']} min in {log['count']} entries"]
    for entry in log["entries"]:
        parts = f" parts: {', '.join(entry['parts'])}" if entry["parts"] else ""
        note = f" {entry['note']}" if entry["note"] else ""
        lines.append(f"  {entry['at']} {entry['technician']:<12} {entry['minutes']:>4} min{parts}{note}")
    return "\n".join(lines)


def run(args: argparse.Namespace, call: Call) -> str:
    """The output of one action; ``call`` raises the CLI's ApiFailure when the daemon refuses."""
    if args.action == "open":
        body: dict[str, Any] = {
            "category": args.category,
            "site": args.site,
            "asset": args.asset or "",
            "description": args.description,
            "reporter": args.reporter,
            "contact": args.contact,
        }
        if args.urgent is not None:
            body["urgent"] = args.urgent
        ticket = call(args, "POST", "/tickets", body=body)
        return json.dumps(ticket, indent=2) if args.json else _request_line(ticket)
    if args.action == "log":
        work: dict[str, Any] = {"minutes": args.minutes, "note": args.note or "", "parts": args.part or []}
        if args.technician:
            work["technician"] = args.technician
        entry = call(args, "POST", f"/tickets/{args.id}/worklog", body=work)
        if args.json:
            return json.dumps(entry, indent=2)
        return f"ticket #{entry['ticket_id']}: logged {entry['minutes']} min for {entry['technician']}"
    log = call(args, "GET", f"/tickets/{args.id}/worklog")
    return json.dumps(log, indent=2) if args.json else _worklog_text(log)


def add_actions(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    opening = add("open", "open a repair request (needs a technician or admin token)")
    opening.add_argument(
        "--category", required=True, help="one of repairs.categories (pos-payment, printer, ...)"
    )
    opening.add_argument("--site", required=True, help="a configured site or POS store")
    opening.add_argument("--asset", help="the asset tag, if known (same asset and category again: recurring)")
    opening.add_argument("--description", required=True, help="what is wrong")
    opening.add_argument("--reporter", required=True, help="who reports it")
    opening.add_argument("--contact", required=True, help="how to reach the reporter (phone, e-mail)")
    urgency = opening.add_mutually_exclusive_group()
    urgency.add_argument(
        "--urgent", dest="urgent", action="store_true", default=None, help="business stops (no payments)"
    )
    urgency.add_argument("--normal", dest="urgent", action="store_false", help="not urgent")
    log = add("log", "log time spent and parts used on a ticket (technician or admin token)")
    log.add_argument("id", type=int)
    log.add_argument("--minutes", type=int, required=True, help="minutes spent (1 to 1440)")
    log.add_argument("--note", help="what was done")
    log.add_argument("--part", action="append", help="a part used (repeat for several)")
    log.add_argument("--technician", help="who did the work (default: the token's name)")
    worklog = add("worklog", "a ticket's work log: time spent and parts used")
    worklog.add_argument("id", type=int)
