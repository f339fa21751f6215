"""Stage: routes. Which notification routes take an alert, first match wins
unless a route says ``continue: true`` (Alertmanager's routing tree, flattened)."""

from __future__ import annotations

from collections.abc import Mapping

from monitord.config.notify import RouteConfig


def route_takes(route: RouteConfig, labels: Mapping[str, str]) -> bool:
    # Reads exactly the labels in ``match_key`` (the mute stage caches on it): keep them in step.
    match = route.match
    if match.priorities and labels.get("priority") not in match.priorities:
        return False
    if match.severities and labels.get("severity") not in match.severities:
        return False
    if match.sites and labels.get("site") not in match.sites:
        return False
    if match.rules and labels.get("rule") not in match.rules:
        return False
    if match.tags:
        tags = set(labels.get("tags", "").split(",")) - {""}
        if not tags & set(match.tags):
            return False
    return True


def match_key(labels: Mapping[str, str]) -> tuple[str | None, ...]:
    """The labels ``route_takes`` reads: alerts with equal keys go to the same routes."""
    return (
        labels.get("priority"),
        labels.get("severity"),
        labels.get("site"),
        labels.get("rule"),
        labels.get("tags"),
    )


def routes_for(routes: list[RouteConfig], labels: Mapping[str, str]) -> list[RouteConfig]:
    taken: list[RouteConfig] = []
    for route in routes:
        if not route.escalation_only and route_takes(route, labels):
            taken.append(route)
            if not route.continue_:
                break
    return taken


def group_key(route: RouteConfig, labels: Mapping[str, str]) -> str:
    """``site=store-12`` for the default ``group_by: [site]``."""
    if not route.group_by:
        return "all"
    return ",".join(f"{name}={labels.get(name, '')}" for name in route.group_by)
