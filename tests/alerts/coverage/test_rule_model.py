"""The rule model in pure logic: which rule condition reads which shape of result.

``ok=False`` (``up=0``) is "cannot reach / cannot check" and only ``down`` rules
see it; a problem found on a run that did measure is a field of an ``ok`` result
and threshold rules see it. The end-to-end cases in this package drive the same
shapes from real servers; this pins the decision itself.
"""

from __future__ import annotations

from alerts.defaults import DEFAULT_RULES
from alerts.rules import AlertRule, CompiledRule
from monitord.results import ProbeResult


def rule(name: str) -> CompiledRule:
    raw = next(r for r in DEFAULT_RULES if r["name"] == name)
    return CompiledRule(AlertRule.model_validate(raw), 0)


def found(kind: str, **fields: float) -> ProbeResult:
    """A run that reached its target and found something (``ok`` with a reason)."""
    return ProbeResult(
        measurement=kind,
        target="t",
        kind=kind,
        time_ns=0,
        ok=True,
        reason="what was found",
        fields={"up": 1, **fields},
    )


def unreachable(kind: str) -> ProbeResult:
    return ProbeResult.failure(measurement=kind, target="t", kind=kind, reason="ssh error: refused")


def test_problems_found_on_a_successful_run_breach_their_threshold_rules() -> None:
    assert rule("backup-missing").breached(found("backup", missing=1), False) is True
    assert rule("backup-stale").breached(found("backup", stale=1), False) is True
    assert rule("backup-shrunken").breached(found("backup", shrunk=1), False) is True
    assert rule("backup-too-small").breached(found("backup", too_small=1), False) is True
    assert rule("backup-unverified").breached(found("backup", verified=0), False) is True
    assert rule("log-file-missing").breached(found("ssh_log", files_missing=1), False) is True
    # ... and the host is not "down" because of them
    assert rule("backup-host-unreachable").breached(found("backup", stale=1), False) is False
    assert rule("ssh-unreachable").breached(found("ssh_log", files_missing=1), False) is False


def test_cannot_reach_is_a_down_rule_and_no_threshold_rule() -> None:
    assert rule("backup-host-unreachable").breached(unreachable("backup"), False) is True
    assert rule("ssh-unreachable").breached(unreachable("ssh_log"), False) is True
    for name in ("backup-missing", "backup-stale", "backup-unverified", "log-file-missing", "log-errors"):
        assert rule(name).breached(unreachable(rule(name).rule.kind or ""), True) is None, name


def test_every_built_in_rule_can_be_breached_by_some_result_shape() -> None:
    """No rule is dead by construction: down rules see failed runs, threshold rules ok runs."""
    for raw in DEFAULT_RULES:
        compiled = CompiledRule(AlertRule.model_validate(raw), 0)
        spec = compiled.rule
        if spec.condition == "down":
            assert compiled.breached(unreachable(spec.kind or ""), False), spec.name
        elif spec.condition == "threshold":
            assert spec.field is not None and spec.field != "up", spec.name
            value = (spec.above + 1) if spec.above is not None else (spec.below or 0) - 1
            assert compiled.breached(found(spec.kind or "", **{spec.field: value}), False), spec.name
