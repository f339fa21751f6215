"""Message text: one title and one line per alert, plus a short form for SMS.

Templates use ``{name}`` fields (unknown names render as ``?``). A group of
notices for one route and one group key becomes one message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel, ConfigDict, field_validator

from alerts.rules import render_summary

# Schemes whose messages should be short (SMS and pagers).
SHORT_SCHEMES = frozenset({
    "twilio", "sns", "plivo", "vonage", "nexmo", "clicksend", "d7sms", "sinch", "bulksms",
    "bulkvs", "smseagle", "msg91", "kavenegar", "burstsms", "signal", "textbelt", "httpsms",
    "seven", "smsmgr", "voipms", "africastalking", "freemobile", "46elks",
})

TEMPLATE_VARIABLES = {
    "status": "FIRING", "priority": "URGENT", "site": "store-1", "count": 2, "rule": "host-down",
    "target": "router", "summary": "down", "ticket": 1, "severity": "critical", "since": "12:00",
    "attached": 0, "first": "router down", "more": "", "group": "site=store-1",
}


class Templates(BaseModel):
    """``notify.templates``: change the wording without touching code."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = "[{priority}] {status}: {group} ({count} alert{plural})"
    line: str = "#{ticket} {status} {rule} on {target} ({site}) since {since}: {summary}{attached_text}"
    short: str = "{priority} {status} {site}: {first}{more}"

    @field_validator("title", "line", "short")
    @classmethod
    def _renders(cls, value: str) -> str:
        render_summary(value, TEMPLATE_VARIABLES)
        return value


@dataclass(frozen=True, slots=True)
class Notice:
    """One alert's news for receivers: it fires, resolved, flaps, is repeated or escalated."""

    fingerprint: str
    status: str  # firing | resolved | flapping | repeat | escalation
    rule: str
    target: str
    site: str
    severity: str
    priority: str
    summary: str
    ticket_id: int | None
    since: datetime
    attached: int = 0
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Message:
    title: str
    body: str
    short: str
    notify_type: str  # apprise: info | success | warning | failure


def _status_word(status: str) -> str:
    return {"firing": "FIRING", "resolved": "RESOLVED", "flapping": "FLAPPING",
            "repeat": "STILL FIRING", "escalation": "ESCALATED"}.get(status, status.upper())


def render(templates: Templates, group: str, notices: list[Notice]) -> Message:
    """One message for every notice of one group, worst news first."""
    order = {"escalation": 0, "firing": 1, "repeat": 2, "flapping": 3, "resolved": 4}
    notices = sorted(notices, key=lambda n: (order.get(n.status, 9), n.site, n.target, n.rule))
    statuses = {n.status for n in notices}
    overall = notices[0].status if len(statuses) == 1 else "update"
    priority = "URGENT" if any(n.priority == "urgent" for n in notices) else "normal"
    lines = []
    for notice in notices:
        lines.append(render_summary(templates.line, {
            "status": _status_word(notice.status), "priority": notice.priority.upper(),
            "rule": notice.rule, "target": notice.target, "site": notice.site,
            "severity": notice.severity, "summary": notice.summary,
            "ticket": notice.ticket_id if notice.ticket_id is not None else "-",
            "since": notice.since.strftime("%Y-%m-%d %H:%M UTC"), "attached": notice.attached,
            "attached_text": f" (+{notice.attached} dependent alerts)" if notice.attached else "",
        }))
    first = notices[0]
    common = {
        "status": _status_word(overall), "priority": priority, "group": group,
        "count": len(notices), "plural": "" if len(notices) == 1 else "s",
        "site": first.site if all(n.site == first.site for n in notices) else "several sites",
        "first": f"{first.target} {first.summary}",
        "more": f" (+{len(notices) - 1} more)" if len(notices) > 1 else "",
    }
    failing = statuses & {"firing", "repeat", "escalation"}
    kind = "success" if statuses == {"resolved"} else ("failure" if failing else "warning")
    return Message(
        title=render_summary(templates.title, common),
        body="\n".join(lines),
        short=render_summary(templates.short, common)[:300],
        notify_type=kind,
    )


def wants_short(url: str, route_format: str) -> bool:
    if route_format != "auto":
        return route_format == "short"
    return url.partition("://")[0].lower() in SHORT_SCHEMES
