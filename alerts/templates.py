"""Message text: one title and one line per alert, plus a short form for SMS.

Templates use ``{name}`` fields. Each template has its own set of names
(``TEMPLATE_FIELDS``); a name outside it is refused when the configuration is
loaded, naming the template, because at send time it could only render as
``?`` (``#{ticket}`` in the short form used to reach phones as ``#?``). Title
and short form describe the group and its first (worst) alert; a line describes
one alert. Times are shown in the site's time zone (``sites.<name>.timezone``),
or the daemon's when the site sets none. The short form names the target once
and fits one SMS (``alerts.sms``). A group of notices for one route and one
group key becomes one message.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from alerts.rules import render_summary
from alerts.sms import fit_sms

if TYPE_CHECKING:
    from monitord.config.targets import SiteConfig

# Schemes whose messages should be short (SMS and pagers).
SHORT_SCHEMES = frozenset(
    {
        "twilio",
        "sns",
        "plivo",
        "vonage",
        "nexmo",
        "clicksend",
        "d7sms",
        "sinch",
        "bulksms",
        "bulkvs",
        "smseagle",
        "msg91",
        "kavenegar",
        "burstsms",
        "signal",
        "textbelt",
        "httpsms",
        "seven",
        "smsmgr",
        "voipms",
        "africastalking",
        "freemobile",
        "46elks",
    }
)

# A sample alert: what ``check-config`` renders every template with.
SAMPLE_ALERT = {
    "status": "FIRING",
    "priority": "URGENT",
    "site": "store-1",
    "count": 2,
    "plural": "s",
    "rule": "tcp-service-down",
    "target": "router",
    "summary": "router port 443 down",
    "ticket": 1,
    "severity": "critical",
    "since": "2026-12-01 09:00 CET",
    "attached": 1,
    "attached_text": " (+1 dependent alerts)",
    "first": "router port 443 down",
    "more": " (+1 more)",
    "group": "site=store-1",
}
_ALERT_FIELDS = frozenset(
    {"status", "priority", "rule", "target", "site", "severity", "summary", "ticket", "since"}
)
_GROUP_FIELDS = frozenset({"status", "priority", "group", "count", "plural", "site", "first", "more"})
TEMPLATE_FIELDS: dict[str, frozenset[str]] = {
    "title": _GROUP_FIELDS | _ALERT_FIELDS,
    "line": _ALERT_FIELDS | {"attached", "attached_text"},
    "short": _GROUP_FIELDS | _ALERT_FIELDS,
}
_FORMATTER = string.Formatter()
TIME_FORMAT = "%Y-%m-%d %H:%M %Z"


class Templates(BaseModel):
    """``notify.templates``: change the wording without touching code."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(
        default="[{priority}] {status}: {group} ({count} alert{plural})",
        description="Title of a full message (one per group).",
    )
    line: str = Field(
        default="#{ticket} {status} {rule} on {target} ({site}) since {since}: {summary}{attached_text}",
        description="One line per alert in a full message.",
    )
    short: str = Field(
        default="{priority} {status} {site}: {first}{more}",
        description="The one-line form for SMS and pagers (format: short).",
    )

    @field_validator("title", "line", "short")
    @classmethod
    def _renders(cls, value: str, info: ValidationInfo) -> str:
        known = TEMPLATE_FIELDS[str(info.field_name)]
        for _literal, name, _spec, _conversion in _FORMATTER.parse(value):
            if name is not None and name not in known:
                raise ValueError(f"unknown placeholder {{{name}}} (known: {', '.join(sorted(known))})")
        render_summary(value, SAMPLE_ALERT)
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
    return {
        "firing": "FIRING",
        "resolved": "RESOLVED",
        "flapping": "FLAPPING",
        "repeat": "STILL FIRING",
        "escalation": "ESCALATED",
    }.get(status, status.upper())


def headline(notice: Notice) -> str:
    """The target and what is wrong, naming the target once (summaries usually name it)."""
    if notice.target and notice.target in notice.summary:
        return notice.summary
    return f"{notice.target}: {notice.summary}" if notice.summary else notice.target


def site_zones(sites: Mapping[str, SiteConfig]) -> dict[str, str]:
    """Site -> time zone name, for the sites that set one (the others use the daemon's)."""
    return {name: site.timezone for name, site in sites.items() if "timezone" in site.model_fields_set}


def local_time(moment: datetime, site: str, zones: Mapping[str, str]) -> str:
    """``moment`` in the site's time zone, or the daemon's when the site has none."""
    zone = zones.get(site)
    local = moment.astimezone(ZoneInfo(zone)) if zone else moment.astimezone()
    return local.strftime(TIME_FORMAT)


def _alert_fields(notice: Notice, zones: Mapping[str, str]) -> dict[str, object]:
    return {
        "status": _status_word(notice.status),
        "priority": notice.priority.upper(),
        "rule": notice.rule,
        "target": notice.target,
        "site": notice.site,
        "severity": notice.severity,
        "summary": notice.summary,
        "ticket": notice.ticket_id if notice.ticket_id is not None else "-",
        "since": local_time(notice.since, notice.site, zones),
    }


def render(
    templates: Templates, group: str, notices: list[Notice], zones: Mapping[str, str] | None = None
) -> Message:
    """One message for every notice of one group, worst news first.

    ``zones`` maps a site to its time zone name; sites not in it show the daemon's.
    """
    zones = zones or {}
    order = {"escalation": 0, "firing": 1, "repeat": 2, "flapping": 3, "resolved": 4}
    notices = sorted(notices, key=lambda n: (order.get(n.status, 9), n.site, n.target, n.rule))
    statuses = {n.status for n in notices}
    overall = notices[0].status if len(statuses) == 1 else "update"
    priority = "URGENT" if any(n.priority == "urgent" for n in notices) else "normal"
    lines = []
    for notice in notices:
        lines.append(
            render_summary(
                templates.line,
                {
                    **_alert_fields(notice, zones),
                    "attached": notice.attached,
                    "attached_text": f" (+{notice.attached} dependent alerts)" if notice.attached else "",
                },
            )
        )
    first = notices[0]
    common = {
        **_alert_fields(first, zones),
        "status": _status_word(overall),
        "priority": priority,
        "group": group,
        "count": len(notices),
        "plural": "" if len(notices) == 1 else "s",
        "site": first.site if all(n.site == first.site for n in notices) else "several sites",
        "first": headline(first),
        "more": f" (+{len(notices) - 1} more)" if len(notices) > 1 else "",
    }
    failing = statuses & {"firing", "repeat", "escalation"}
    kind = "success" if statuses == {"resolved"} else ("failure" if failing else "warning")
    return Message(
        title=render_summary(templates.title, common),
        body="\n".join(lines),
        short=fit_sms(render_summary(templates.short, common)),
        notify_type=kind,
    )


def wants_short(url: str, route_format: str) -> bool:
    if route_format != "auto":
        return route_format == "short"
    return url.partition("://")[0].lower() in SHORT_SCHEMES
