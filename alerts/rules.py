"""Alert rules: what a breach is, for which results, and how long it must last.

A rule is validated configuration (``AlertRule``) plus a compiled form
(``CompiledRule``) that the evaluator calls once per matching result, so the
hot path is a dictionary lookup and one comparison. Hysteresis: a threshold
rule fires past ``above``/``below`` and recovers only past ``recover``.

The rule model (docs/alert-rules.md): failures are data, in two shapes.

* ``ok=False`` (with ``up=0``) means the probe could not reach its target or
  could not measure (connect refused, SSH auth failed, timeout). Only
  ``condition: down`` rules read it.
* A problem the probe *found* on a run that did measure (a stale backup, a
  missing log file, a bad checksum) is a field of an ``ok=True`` result, with
  ``reason`` saying what was found. Threshold rules read those fields.

Threshold rules skip failed runs, so a host that is down raises ``host-down``
and not also ``packet-loss``; a threshold on ``up`` therefore sees only
successful runs (where a series such as an SNMP interface may still say
``up`` 0) and "cannot reach" is a ``down`` rule.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from alerts.defaults import DEFAULT_RULES
from monitord.config.durations import Duration
from monitord.results import ProbeResult
from probes.base import ProbeTarget

Severity = Literal["critical", "warning", "info"]
Priority = Literal["urgent", "normal"]
Condition = Literal["down", "threshold", "absent"]

RULE_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


# A finite threshold within what a float counts exactly (config values are bounded, issue 13).
Threshold = Annotated[float, Field(allow_inf_nan=False, ge=-1e15, le=1e15)]


class RuleScope(BaseModel):
    """Which targets a rule applies to; an empty list means "any"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sites: list[str] = Field(default_factory=list, description="Site names covered; empty: any.")
    zones: list[str] = Field(default_factory=list, description="Zones covered; empty: any.")
    targets: list[str] = Field(default_factory=list, description="Target names covered; empty: any.")
    tags: list[str] = Field(
        default_factory=list, description="Target tags; a target with any of them is covered; empty: any."
    )
    result_tags: dict[str, str] = Field(
        default_factory=dict,
        description="Result tags that must all be equal (e.g. {ifName: ge-0/0/1}); empty: any.",
    )

    def covers(self, target: ProbeTarget) -> bool:
        if self.sites and target.site not in self.sites:
            return False
        if self.zones and target.zone not in self.zones:
            return False
        if self.targets and target.name not in self.targets:
            return False
        return not (self.tags and not set(self.tags) & set(target.tags))


class AlertRule(BaseModel):
    """One rule, as written in ``alerts.rules`` or ``alerts/defaults.py``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str = Field(
        pattern=RULE_NAME, description="Unique rule name; a built-in rule's name replaces that rule."
    )
    description: str = Field(default="", description="Free text for people reading the rule.")
    kind: str | None = Field(
        default=None,
        description="Probe kind whose results the rule reads (icmp, tcp, snmp, ...); set kind, "
        "measurement or both.",
    )
    measurement: str | None = Field(
        default=None, description="Measurement whose results the rule reads (e.g. snmp_interface)."
    )
    condition: Condition = Field(
        default="threshold",
        description="threshold: a field passes above/below; down: the run failed (ok false or up 0); "
        "absent: no result for intervals probe intervals.",
    )
    field: str | None = Field(default=None, description="The result field a threshold rule compares.")
    above: Threshold | None = Field(
        default=None, description="Threshold rules: breach when the field is above this (or use below)."
    )
    below: Threshold | None = Field(
        default=None, description="Threshold rules: breach when the field is below this (or use above)."
    )
    recover: Threshold | None = Field(
        default=None,
        description="Hysteresis: the alert resolves only once the field is back past this value; "
        "none: the trigger value.",
    )
    intervals: int = Field(
        default=3, ge=1, le=1000, description="Absent rules: probe intervals without a result before firing."
    )
    hold: Duration = Field(
        default=0.0,
        ge=0,
        alias="for",
        description="How long the breach must last before the alert fires (results' own timestamps).",
    )
    clear_for: Duration = Field(
        default=0.0, ge=0, description="How long the recovery must last before the alert resolves."
    )
    severity: Severity = Field(default="warning", description="critical, warning or info.")
    priority: Priority | None = Field(
        default=None,
        description="Force the ticket priority; none: urgent for a critical rule on an urgent "
        "target, else normal.",
    )
    marks_down: bool = Field(
        default=False,
        description="While this alert fires the target counts as down: its children's "
        "notifications are suppressed and attached to its ticket.",
    )
    match: RuleScope = Field(default_factory=RuleScope, description="Which targets the rule covers.")
    summary: str = Field(
        default="{rule} on {target}",
        description="Alert text; placeholders {rule}, {target}, {site}, {value}, {reason}, the "
        "result's fields and tags (unknown ones render as ?).",
    )

    @model_validator(mode="after")
    def _consistent(self) -> AlertRule:
        if self.kind is None and self.measurement is None:
            raise ValueError("set kind or measurement (which probe results this rule reads)")
        if self.condition == "threshold":
            if self.field is None:
                raise ValueError("a threshold rule needs field")
            if (self.above is None) == (self.below is None):
                raise ValueError("a threshold rule needs exactly one of above or below")
            if self.recover is not None:
                if self.above is not None and self.recover > self.above:
                    raise ValueError("recover must not be above the trigger value (hysteresis)")
                if self.below is not None and self.recover < self.below:
                    raise ValueError("recover must not be below the trigger value (hysteresis)")
        elif self.field is not None or self.above is not None or self.below is not None:
            raise ValueError(f"field/above/below only apply to threshold rules, not {self.condition}")
        if self.condition == "absent" and self.kind is None:
            raise ValueError("an absent rule needs kind (its interval comes from the probe)")
        try:
            render_summary(self.summary, {"rule": self.name, "target": "t", "value": 1.0})
        except (ValueError, IndexError) as exc:
            raise ValueError(f"summary: {exc}") from None
        return self


class _Blank:
    """A missing template variable: renders as ``?`` whatever the format spec."""

    def __format__(self, spec: str) -> str:
        return "?"


class _Variables(dict[str, Any]):
    def __missing__(self, key: str) -> Any:
        return _Blank()


_FORMATTER = string.Formatter()


def render_summary(template: str, variables: Mapping[str, Any]) -> str:
    """``template`` with ``{name}`` fields filled; unknown names become ``?``."""
    values = _Variables(variables)
    parts: list[str] = []
    for literal, name, spec, conversion in _FORMATTER.parse(template):
        parts.append(literal)
        if name is None:
            continue
        if not name.isidentifier():
            raise ValueError(f"only plain names can be used in {{...}}, not {name!r}")
        value = values[name]
        if conversion:
            value = _FORMATTER.convert_field(value, conversion)
        try:
            parts.append(format(value, spec or ""))
        except (ValueError, TypeError):
            parts.append(str(value))
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """The hot-path form of a rule: ``breached`` answers True/False, or None to skip."""

    rule: AlertRule
    index: int

    @property
    def name(self) -> str:
        return self.rule.name

    def applies_to(self, result: ProbeResult) -> bool:
        rule = self.rule
        if rule.kind is not None and result.kind != rule.kind:
            return False
        if rule.measurement is not None and result.measurement != rule.measurement:
            return False
        tags = result.tags
        return all(tags.get(k) == v for k, v in rule.match.result_tags.items())

    def breached(self, result: ProbeResult, firing: bool) -> bool | None:
        """Whether ``result`` breaches; ``firing`` selects the recovery value (hysteresis).

        None means "no opinion": a threshold rule skips failed runs and results
        without its field (a host that is down has no meaningful RTT). A ``down``
        rule reads the verdict: the run failed (``ok`` false) or says ``up`` 0; it
        has no opinion on a pushed event (an SNMP trap), which is no probe run.
        """
        rule = self.rule
        if rule.condition == "down":
            if result.pushed:
                return None  # a trap is not a probe run: it cannot say "unreachable"
            return not result.ok or result.fields.get("up", 1) in (0, False)
        if rule.condition == "absent":
            return False  # any result at all means "present"
        if not result.ok:
            return None
        raw = result.fields.get(rule.field or "")
        if raw is None or isinstance(raw, str):
            return None
        value = float(raw)
        if math.isnan(value):
            return None
        if rule.above is not None:
            limit = rule.recover if firing and rule.recover is not None else rule.above
            return value > limit
        limit = rule.recover if firing and rule.recover is not None else (rule.below or 0.0)
        return value < limit

    def value_of(self, result: ProbeResult) -> float | None:
        if self.rule.field is None:
            return None
        raw = result.fields.get(self.rule.field)
        return float(raw) if isinstance(raw, int | float) else None


def compile_rules(rules: list[AlertRule]) -> list[CompiledRule]:
    return [CompiledRule(rule, index) for index, rule in enumerate(rules)]


def effective_rules(configured: list[AlertRule], use_defaults: bool, disabled: list[str]) -> list[AlertRule]:
    """Built-in rules (unless switched off), replaced by name by configured ones."""
    by_name: dict[str, AlertRule] = {}
    if use_defaults:
        for raw in DEFAULT_RULES:
            rule = AlertRule.model_validate(raw)
            by_name[rule.name] = rule
    for rule in configured:
        by_name[rule.name] = rule
    return [rule for name, rule in by_name.items() if name not in set(disabled)]
