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

    enabled: bool = Field(
        default=True,
        description="Detect flapping alerts and send one FLAPPING message instead of one per change.",
    )
    window: int = Field(
        default=20,
        ge=4,
        le=200,
        description="Evaluations kept per alert to measure how often it changes state.",
    )
    high: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Weighted share of state changes in the window above which an alert starts flapping.",
    )
    low: float = Field(
        default=0.25,
        ge=0,
        le=1,
        description="Share below which a flapping alert settles; must be below high.",
    )

    @model_validator(mode="after")
    def _order(self) -> FlappingConfig:
        if self.low >= self.high:
            raise ValueError("low must be below high")
        return self


class TicketsConfig(Section):
    """Ticket lifecycle: auto-close after a quiet period, recurring-fault window."""

    auto_close_after: PositiveDuration = Field(
        default=86400.0,
        description="A resolved ticket is closed after this long without a new alert (recurring "
        "tickets need a root cause first).",
    )
    recurring_window: PositiveDuration = Field(
        default=30 * 86400.0,
        description="A fingerprint that fires again within this window opens a ticket marked "
        "recurring, linked to the earlier ones.",
    )


class AlertsConfig(Section):
    """Alert rules and how their alerts become tickets."""

    enabled: bool = Field(default=True, description="Run the alert engine (rules, tickets, notifications).")
    default_rules: bool = Field(
        default=True, description="Include the built-in rules of alerts/defaults.py (docs/alert-rules.md)."
    )
    disabled_rules: list[str] = Field(
        default_factory=list, description="Names of rules (built-in or your own) to drop."
    )
    rules: list[AlertRule] = Field(
        default_factory=list, description="Your rules; one with a built-in rule's name replaces it."
    )
    evaluation_interval: PositiveDuration = Field(
        default=1.0,
        description="Clock tick for what no result triggers: absence, repeats, escalation, silence ends.",
    )
    buffer_size: int = Field(
        default=200_000,
        ge=1000,
        le=10_000_000,
        description="Results buffered for the engine; when full the oldest are dropped and counted.",
    )
    dependency_grace: Duration = Field(
        default=60.0,
        ge=0,
        description="A parent target still counts as down this long after its down alert resolved.",
    )
    flapping: FlappingConfig = Field(default_factory=FlappingConfig, description="Flap detection.")
    tickets: TicketsConfig = Field(default_factory=TicketsConfig, description="Ticket lifecycle.")
    silences: list[SilenceSpec] = Field(
        default_factory=list,
        description="Silences from the file (reloaded with it); silences made over the API live in "
        "the state store.",
    )

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
