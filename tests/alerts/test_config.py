"""Invalid alert and notify configuration, each with its exact message; silences' windows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from alerts.matchers import parse_matcher
from alerts.silences import Silence, SilenceSpec
from monitord.config.loader import build_config
from monitord.errors import ConfigError

URL = "json://127.0.0.1:9/hook"

INVALID: list[tuple[dict[str, Any], str]] = [
    (
        {"alerts": {"rules": [{"name": "x", "kind": "tcp", "condition": "threshold"}]}},
        "alerts.rules[0]: a threshold rule needs field",
    ),
    (
        {"alerts": {"rules": [{"name": "x", "condition": "down"}]}},
        "alerts.rules[0]: set kind or measurement (which probe results this rule reads)",
    ),
    (
        {
            "alerts": {
                "rules": [{"name": "x", "kind": "icmp", "field": "loss_pct", "above": 20, "recover": 30}]
            }
        },
        "alerts.rules[0]: recover must not be above the trigger value (hysteresis)",
    ),
    (
        {"alerts": {"rules": [{"name": "x", "kind": "icmp", "condition": "down", "for": "soon"}]}},
        "alerts.rules[0].for: not a duration (use e.g. 500ms, 30s, 5m, 2h, 1d)",
    ),
    (
        {"alerts": {"rules": [{"name": "x", "kind": "tcp", "condition": "down", "colour": "red"}]}},
        "alerts.rules[0].colour: unknown key",
    ),
    ({"alerts": {"flapping": {"high": 0.2, "low": 0.3}}}, "alerts.flapping: low must be below high"),
    (
        {"alerts": {"silences": [{"matchers": ["site=~("], "ends_at": "2030-01-01T00:00:00Z"}]}},
        "alerts.silences[0].matchers[0]: 'site=~(': bad regular expression: missing ): ( (patterns use "
        "RE2 syntax: no backreferences or lookaround, see docs/patterns.md)",
    ),
    (
        {
            "alerts": {
                "silences": [{"matchers": ["rule=x", "site==store-1"], "ends_at": "2030-01-01T00:00:00Z"}]
            }
        },
        "alerts.silences[0].matchers[1]: 'site==store-1': unknown operator '==' at position 4 "
        "(use =, !=, =~ or !~)",
    ),
    (
        {"alerts": {"silences": [{"matchers": ["target=~(?!till).*"], "ends_at": "2030-01-01T00:00:00Z"}]}},
        "alerts.silences[0].matchers[0]: 'target=~(?!till).*': bad regular expression: invalid perl "
        "operator: (?! (patterns use RE2 syntax: no backreferences or lookaround, see docs/patterns.md)",
    ),
    (
        {"alerts": {"silences": [{"matchers": ["site=x"]}]}},
        "alerts.silences[0]: a silence needs ends_at (one-off) or weekly (recurring)",
    ),
    (
        {
            "alerts": {
                "silences": [
                    {
                        "matchers": ["site=x"],
                        "weekly": {"start": "20:00", "end": "07:00", "timezone": "Europe"},
                    }
                ]
            }
        },
        "alerts.silences[0].weekly.timezone: unknown time zone 'Europe'",
    ),
    (
        {
            "alerts": {
                "silences": [
                    {
                        "matchers": ["site=x"],
                        "weekly": {"start": "20:00", "end": "07:00", "timezone": "A" * 300},
                    }
                ]
            }
        },
        f"alerts.silences[0].weekly.timezone: unknown time zone {'A' * 300!r}",
    ),
    (
        {"notify": {"business_hours": {"timezone": "Europe"}}},
        "notify.business_hours.timezone: unknown time zone 'Europe'",
    ),
    (
        {"notify": {"routes": [{"name": "a", "urls": ["nosuchscheme://x"]}]}},
        "notify.routes[0].urls: urls[0]: apprise does not accept this URL (scheme 'nosuchscheme')",
    ),
    (
        {"notify": {"routes": [{"name": "a", "urls": [URL], "escalate_to": "b", "escalate_after": "5m"}]}},
        "notify: route 'a': escalate_to 'b' is not a route",
    ),
    (
        {"notify": {"routes": [{"name": "a", "urls": [URL], "escalate_after": "5m"}]}},
        "notify.routes[0]: escalate_after and escalate_to go together",
    ),
    (
        {"notify": {"routes": [{"name": "a", "urls": [URL], "match": {"sites": ["stor-1"]}}]}},
        "notify.routes[0].match.sites: unknown site 'stor-1'",
    ),
    (
        {
            "alerts": {
                "rules": [{"name": "x", "kind": "tcp", "condition": "down", "match": {"targets": ["nope"]}}]
            }
        },
        "alerts.rules[0].match.targets: unknown target 'nope'",
    ),
    ({"alerts": {"disabled_rules": ["host-dwn"]}}, "alerts.disabled_rules: unknown rule 'host-dwn'"),
    (
        {"notify": {"templates": {"title": "{status!x}"}}},
        "notify.templates.title: Unknown conversion specifier x",
    ),
]


@pytest.mark.parametrize(("document", "message"), INVALID)
def test_invalid_config_names_the_field(document: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build_config(document)
    assert caught.value.lines() == [message]


def test_summary_lines_and_secret_urls_stay_hidden() -> None:
    secret = "json://127.0.0.1:9/hook?token=s3cr3t-value"
    loaded = build_config({"notify": {"routes": [{"name": "chat", "urls": [secret]}]}})
    count = len(loaded.config.alerts.effective_rules())
    assert count >= 4
    assert loaded.config.alerts.summary()[0].startswith(f"alert rules: {count} (host-down, packet-loss")
    assert loaded.config.notify.summary() == ["notify routes: chat (1 URL); normal priority: immediate"]
    assert "s3cr3t" not in repr(loaded.config.notify)


def test_weekly_window_across_midnight_and_matchers() -> None:
    spec = SilenceSpec.model_validate(
        {
            "matchers": ["site=store-1", "target=~till-.*", "rule!=x"],
            "weekly": {"days": ["fri"], "start": "20:00", "end": "07:00", "timezone": "Europe/Berlin"},
        }
    )
    silence = Silence.from_spec(spec, created_by="t", source="api")
    labels = {"site": "store-1", "target": "till-4", "rule": "host-down"}
    friday_night = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)  # 22:00 in Berlin, a Friday
    saturday_morning = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)  # 06:00 Saturday, still in
    saturday_noon = datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
    assert silence.mutes(labels, friday_night) and silence.mutes(labels, saturday_morning)
    assert not silence.mutes(labels, saturday_noon)
    assert not silence.mutes({**labels, "target": "router"}, friday_night)
    with pytest.raises(ValueError, match="expected an operator"):
        parse_matcher("just-text")
