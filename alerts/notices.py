"""What a route's receivers should hear next about one alert, and the notice that says it.

``Alert.notified`` holds, per route, what its receivers last heard (firing,
resolved, flapping). Comparing it with the alert's state now gives the notice
still owed; a resolved notice is owed as long as they last heard "firing", so
an end is never lost, however long a silence or a down parent held it back.
"""

from __future__ import annotations

from alerts.clock import as_datetime
from alerts.lifecycle import ENDINGS
from alerts.state import Alert
from alerts.templates import Notice
from monitord.config.notify import RouteConfig


def desired(alert: Alert, route: RouteConfig) -> str | None:
    """What ``route``'s receivers should hear about ``alert`` that they have not yet."""
    heard = alert.notified.get(route.name)
    if alert.flapping:
        return None if heard == "flapping" else "flapping"
    if alert.status == "firing":
        return None if heard == "firing" else "firing"
    if heard in ("firing", "flapping"):
        return "resolved"
    return None


def take_owed(alert: Alert, route: RouteConfig, kind: str, now: float) -> str | None:
    """The notice to send ("" = record silently, None = nothing), marking it heard.

    ``kind`` is what the group queued: "" (whatever changed), "repeat" or
    "escalation:<route>". The caller writes the result in the same transaction
    as the outbox row, or puts ``notified`` back if that transaction fails.
    """
    if kind == "repeat":
        if alert.status != "firing" or alert.notified.get(route.name) != "firing":
            return None
        alert.notified[f"at:{route.name}"] = now
        return "repeat"
    if kind.startswith("escalation:"):
        source = kind.partition(":")[2]
        if alert.status != "firing" or alert.notified.get(f"esc:{source}"):
            return None
        alert.notified[f"esc:{source}"] = now
        return "escalation"
    want = desired(alert, route)
    if want is None:
        return None
    alert.notified[route.name] = want
    alert.notified[f"at:{route.name}"] = now
    if want == "resolved":
        for key in [k for k in alert.notified if k.startswith("esc:")]:
            del alert.notified[key]
        if not route.send_resolved:
            return ""
    return want


def notice(alert: Alert, status: str, attached: int, now: float) -> Notice:
    """The template's view of ``alert``; ``attached`` counts other alerts on its ticket."""
    since = alert.resolved_at if status == "resolved" and alert.resolved_at else alert.fired_at
    summary = alert.summary
    if status == "resolved" and alert.reason in ENDINGS:
        summary = f"{summary} (ended: {alert.reason})"
    return Notice(
        fingerprint=alert.fingerprint,
        status=status,
        rule=alert.rule,
        target=alert.target,
        site=alert.labels.get("site", ""),
        severity=alert.labels.get("severity", ""),
        priority=alert.labels.get("priority", "normal"),
        summary=summary,
        ticket_id=alert.ticket_id,
        since=as_datetime(since or now),
        attached=attached,
        labels=alert.labels,
    )
