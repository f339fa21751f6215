"""Cross-section checks of ``alerts:`` and ``notify:``: names they refer to must exist.

A route for a misspelt site, or a rule scoped to a target that is not configured,
would silently never match; at load time it is an error naming the field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alerts.defaults import DEFAULT_RULES
from monitord.config.repairs import REQUEST_RULE

if TYPE_CHECKING:
    from monitord.config.model import MonitordConfig


def check_alerts(config: MonitordConfig) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    sites = set(config.sites) | {t.site for t in config.targets}
    targets = {t.name for t in config.targets}
    for index, rule in enumerate(config.alerts.rules):
        for site in rule.match.sites:
            if site not in sites:
                problems.append((f"alerts.rules[{index}].match.sites", f"unknown site {site!r}"))
        for target in rule.match.targets:
            if target not in targets:
                problems.append((f"alerts.rules[{index}].match.targets", f"unknown target {target!r}"))
    written = {str(r["name"]) for r in DEFAULT_RULES} | {r.name for r in config.alerts.rules}
    for name in config.alerts.disabled_rules:
        if name not in written:
            problems.append(("alerts.disabled_rules", f"unknown rule {name!r}"))
    # Repair requests carry the rule label repair-request, so a route can take them.
    known_rules = {r.name for r in config.alerts.effective_rules()} | {REQUEST_RULE}
    for index, route in enumerate(config.notify.routes):
        for site in route.match.sites:
            if site not in sites:
                problems.append((f"notify.routes[{index}].match.sites", f"unknown site {site!r}"))
        for name in route.match.rules:
            if name not in known_rules:
                problems.append((f"notify.routes[{index}].match.rules", f"unknown rule {name!r}"))
    return problems
