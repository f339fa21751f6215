"""``alerts:``: alert rules, flap detection, dependencies, silences and tickets.

The built-in rules (``alerts/defaults.py``) apply unless ``default_rules`` is
false; a rule written here with the same name replaces the built-in one.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from alerts.rules import AlertRule, effective_rules
from alerts.silences import SilenceSpec
from monitord.config.durations import Duration, PositiveDuration
from monitord.config.section import Section


class FlappingConfig(Section):
    """Nagios-style flap detection over the last ``window`` evaluations."""

    enabled: bool = True
    window: int = Field(default=20, ge=4, le=200)
    high: float = Field(default=0.5, gt=0, le=1)
    low: float = Field(default=0.25, ge=0, le=1)

    @model_validator(mode="after")
    def _order(self) -> FlappingConfig:
        if self.low >= self.high:
            raise ValueError("low must be below high")
        return self


class TicketsConfig(Section):
    """Ticket lifecycle: auto-close after a quiet period, recurring-fault window."""

    auto_close_after: PositiveDuration = 86400.0
    recurring_window: PositiveDuration = 30 * 86400.0


class AlertsConfig(Section):
    """Alert rules and how their alerts become tickets."""

    enabled: bool = True
    default_rules: bool = True
    disabled_rules: list[str] = Field(default_factory=list)
    rules: list[AlertRule] = Field(default_factory=list)
    evaluation_interval: PositiveDuration = 1.0
    buffer_size: int = Field(default=200_000, ge=1000, le=10_000_000)
    dependency_grace: Duration = Field(default=60.0, ge=0)
    flapping: FlappingConfig = Field(default_factory=FlappingConfig)
    tickets: TicketsConfig = Field(default_factory=TicketsConfig)
    silences: list[SilenceSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> AlertsConfig:
        names = [r.name for r in self.rules]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"rule name {name!r} is used twice")
        return self

    def effective_rules(self) -> list[AlertRule]:
        return effective_rules(self.rules, self.default_rules, self.disabled_rules)

    def summary(self) -> list[str]:
        if not self.enabled:
            return ["alerts: disabled"]
        rules = self.effective_rules()
        names = ", ".join(r.name for r in rules[:12]) + (" ..." if len(rules) > 12 else "")
        return [f"alert rules: {len(rules)} ({names or 'none'}), silences: {len(self.silences)}"]
