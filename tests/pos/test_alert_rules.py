"""The built-in POS alert rules read the evaluator's results the intended way:
a till missing in opening hours breaches, a closed till does not, a dark store is one
urgent store alert and its tills produce none."""

from __future__ import annotations

from alerts.defaults import DEFAULT_RULES
from alerts.rules import AlertRule, CompiledRule
from monitord.pos.evaluator import AbsenceEvaluator
from monitord.pos.hours import OpeningHours, parse_hours
from monitord.pos.register import Register, Store
from monitord.results import ProbeResult
from tests.pos.harness import local


def _rule(name: str) -> CompiledRule:
    raw = next(r for r in DEFAULT_RULES if r["name"] == name)
    return CompiledRule(AlertRule.model_validate(raw), 0)


def _register(tills: int) -> Register:
    register = Register()
    store = Store(
        name="s1",
        site="s1",
        router=None,
        missed_intervals=3,
        down_terminals=2,
        auto_register=False,
        interval=10.0,
        hours=OpeningHours(parse_hours({"mon-sat": "08:00-20:00"}), "Europe/Berlin"),
    )
    register.stores["s1"] = store
    for index in range(tills):
        register.add_terminal(store, f"t{index}", "config")
    return register


def _breaches(results: list[ProbeResult]) -> list[str]:
    terminal, store = _rule("pos-terminal-missing"), _rule("pos-store-down")
    out = []
    for result in results:
        for rule in (terminal, store):
            if rule.applies_to(result) and rule.breached(result, firing=False):
                out.append(f"{rule.name}:{result.target}")
    return out


def test_rules_over_a_day() -> None:
    assert _rule("pos-store-down").rule.priority == "urgent"
    register = _register(3)
    start = local("2026-11-30T07:00:00").timestamp()
    evaluator = AbsenceEvaluator(start)
    tills = register.terminals()
    # Before opening: closed, nothing breaches.
    assert _breaches(evaluator.evaluate(register, start + 60)) == []
    # Open, all tills heartbeat; then one falls silent: one terminal alert.
    now = local("2026-11-30T09:00:00").timestamp()
    for till in tills:
        till.last_seen = now
    assert _breaches(evaluator.evaluate(register, now)) == []
    tills[1].last_seen = tills[2].last_seen = now + 40
    assert _breaches(evaluator.evaluate(register, now + 40)) == ["pos-terminal-missing:s1/t0"]
    # Then the whole store goes dark: only the store breaches.
    results = evaluator.evaluate(register, now + 120)
    assert _breaches(results) == ["pos-store-down:s1"]
    assert {t.state for t in tills} == {"unreachable"}
    # After closing time everything is closed and quiet again.
    results = evaluator.evaluate(register, local("2026-11-30T20:00:01").timestamp())
    assert _breaches(results) == []
    assert {t.state for t in tills} == {"closed"}
