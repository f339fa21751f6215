"""Rules, holds, hysteresis, absence and flap detection on plain results (pure logic)."""

from __future__ import annotations

from typing import Any

import pytest

from alerts.evaluator import Evaluator
from alerts.flapping import FlapPolicy, is_flapping, state_change_share
from alerts.rules import AlertRule, compile_rules, effective_rules
from monitord.config.loader import build_config
from monitord.results import ProbeResult

NS = 1_000_000_000


def _evaluator(
    rules: list[dict[str, Any]], targets: list[dict[str, Any]] | None = None, policy: FlapPolicy | None = None
) -> Evaluator:
    loaded = build_config({"targets": targets or []})
    compiled = compile_rules([AlertRule.model_validate(r) for r in rules])
    return Evaluator(compiled, loaded.targets, policy or FlapPolicy(enabled=False), 0.0)


def _icmp(target: str, t: float, loss: float, ok: bool = True) -> ProbeResult:
    return ProbeResult(
        measurement="icmp",
        target=target,
        kind="icmp",
        time_ns=int(t * NS),
        ok=ok,
        fields={"up": 1 if ok else 0, "loss_pct": loss},
        tags={"site": "s1"},
    )


LOSS = {
    "name": "loss",
    "kind": "icmp",
    "field": "loss_pct",
    "above": 20,
    "recover": 10,
    "for": "10s",
    "clear_for": "5s",
}


def test_hold_and_hysteresis() -> None:
    ev = _evaluator([LOSS])
    events: list[tuple[float, str]] = []

    def feed(t: float, loss: float) -> None:
        ev.evaluate([_icmp("r1", t, loss)])
        transitions, _ = ev.take()
        events.extend((t, tr.event) for tr in transitions)

    feed(0, 30)
    feed(5, 30)
    assert events == []  # pending, hold not over
    (alert,) = ev.alerts.values()
    assert alert.status == "pending"
    feed(10, 30)
    assert events == [(10, "fired")] and alert.status == "firing"
    feed(15, 15)  # below the trigger but above recover: still firing (hysteresis)
    feed(25, 15)
    assert alert.status == "firing"
    feed(30, 5)
    feed(33, 5)
    assert alert.status == "firing"  # clear_for not over
    feed(35, 5)
    assert events[-1] == (35, "resolved") and alert.status == "resolved"
    feed(40, 30)
    assert alert.status == "pending"  # a new episode holds again


def test_failed_runs_do_not_resolve_threshold_alerts_and_down_rules_fire() -> None:
    ev = _evaluator(
        [
            {**LOSS, "for": 0, "clear_for": 0},
            {"name": "down", "kind": "icmp", "condition": "down", "marks_down": True},
        ]
    )
    ev.evaluate([_icmp("r1", 0, 50)])
    ev.evaluate([_icmp("r1", 1, 100, ok=False)])
    by_rule = {a.rule: a for a in ev.alerts.values()}
    assert by_rule["loss"].status == "firing"  # a failed run has no opinion on loss
    assert by_rule["down"].status == "firing"


def test_scope_by_site_and_target_tags() -> None:
    rule = {"name": "pos-only", "kind": "icmp", "condition": "down", "match": {"tags": ["pos"]}}
    targets = [
        {"name": "till", "address": "127.0.0.1", "site": "s1", "tags": ["pos"]},
        {"name": "printer", "address": "127.0.0.2", "site": "s1"},
    ]
    ev = _evaluator([rule], targets)
    ev.evaluate([_icmp("till", 0, 100, ok=False), _icmp("printer", 0, 100, ok=False)])
    assert {a.target for a in ev.alerts.values()} == {"till"}
    assert next(iter(ev.alerts.values())).labels["tags"] == "pos"


def test_absence_after_n_intervals() -> None:
    rule = {"name": "silent", "kind": "tcp", "condition": "absent", "intervals": 3}
    targets = [
        {
            "name": "pos-7",
            "address": "127.0.0.1",
            "site": "s1",
            "probes": {"tcp": {"port": 1, "interval": "10s"}},
        }
    ]
    ev = _evaluator([rule], targets)
    ev.check_absence(25)
    assert ev.alerts == {}
    ev.check_absence(31)
    (alert,) = ev.alerts.values()
    assert alert.status == "firing"
    ev.evaluate(
        [
            ProbeResult(
                measurement="tcp", target="pos-7", kind="tcp", time_ns=32 * NS, ok=True, fields={"up": 1}
            )
        ]
    )
    assert alert.status == "resolved"


def test_fingerprint_is_stable_and_per_series() -> None:
    rule = {"name": "if-down", "measurement": "snmp_if", "condition": "down"}
    ev = _evaluator([rule])
    for ifname in ("ge-0/0/1", "ge-0/0/2"):
        ev.evaluate(
            [
                ProbeResult(
                    measurement="snmp_if",
                    target="sw",
                    kind="snmp",
                    time_ns=0,
                    ok=False,
                    fields={"up": 0},
                    tags={"site": "s1", "ifName": ifname},
                )
            ]
        )
    first = sorted(ev.alerts)
    assert len(first) == 2
    again = _evaluator([rule])
    again.evaluate(
        [
            ProbeResult(
                measurement="snmp_if",
                target="sw",
                kind="snmp",
                time_ns=0,
                ok=False,
                fields={"up": 0},
                tags={"ifName": "ge-0/0/1", "site": "s1"},
            )
        ]
    )
    assert next(iter(again.alerts)) in first


def test_flapping_needs_high_to_start_and_low_to_stop() -> None:
    policy = FlapPolicy(enabled=True, window=10, high=0.5, low=0.25)
    assert state_change_share([True, False] * 5) == pytest.approx(1.0)
    assert state_change_share([True] * 10) == 0.0
    assert is_flapping([True, False, True, False, True], False, policy) is True
    # 2 changes in 9 pairs, newest weighted most: between low and high, so the flag holds
    history = [True, True, True, True, True, True, True, False, False, True]
    share = state_change_share(history)
    assert 0.25 < share < 0.5
    assert is_flapping(history, True, policy) is True
    assert is_flapping(history, False, policy) is False

    ev = _evaluator([{"name": "down", "kind": "icmp", "condition": "down"}], policy=policy)
    for step in range(8):
        ev.evaluate([_icmp("wan", step, 100 if step % 2 == 0 else 0, ok=step % 2 == 1)])
    transitions, _ = ev.take()
    assert "flapping" in [t.event for t in transitions]
    assert next(iter(ev.alerts.values())).flapping is True


def test_default_rules_are_valid_and_replaceable() -> None:
    names = [r.name for r in effective_rules([], True, [])]
    assert {"host-down", "packet-loss", "high-rtt", "tcp-service-down"} <= set(names)
    custom = AlertRule.model_validate(
        {"name": "high-rtt", "kind": "icmp", "field": "rtt_avg_ms", "above": 500}
    )
    rules = {r.name: r for r in effective_rules([custom], True, ["packet-loss"])}
    assert rules["high-rtt"].above == 500 and "packet-loss" not in rules
    assert effective_rules([], False, []) == []


ROUTERS = [
    {"name": n, "address": a, "site": "s1", "probes": {"icmp": {"interval": "10s"}}}
    for n, a in (("r1", "127.0.0.1"), ("r2", "127.0.0.2"))
]


def test_reload_keeps_alerts_and_resolves_those_of_removed_rules() -> None:
    down = {"name": "down", "kind": "icmp", "condition": "down"}
    loss = {**LOSS, "for": 0, "clear_for": 0}
    ev = _evaluator([down, loss], ROUTERS)
    ev.evaluate([_icmp("r1", 0, 100, ok=False), _icmp("r2", 0, 50)])
    ev.take()
    assert {a.rule: a.status for a in ev.alerts.values()} == {"down": "firing", "loss": "firing"}
    # reorder (indices move) and drop "loss"
    ev.configure(
        compile_rules(
            [
                AlertRule.model_validate(r)
                for r in [{"name": "other", "kind": "tcp", "condition": "down"}, down]
            ]
        ),
        build_config({"targets": ROUTERS}).targets,
        FlapPolicy(enabled=False),
        1.0,
    )
    transitions, _ = ev.take()
    assert [(t.alert.rule, t.event, t.ended) for t in transitions] == [("loss", "resolved", "rule removed")]
    ev.evaluate([_icmp("r1", 1, 0)])
    by_rule = {a.rule: a for a in ev.alerts.values()}
    assert by_rule["down"].status == "resolved"


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda t: [x for x in t if x["name"] != "r1"], "target removed"),
        (
            lambda t: [{**x, "probes": {"tcp": {"port": 22}}} if x["name"] == "r1" else x for x in t],
            "probe removed",
        ),
        (lambda t: [{**x, "address": "127.0.0.3"} if x["name"] == "r1" else x for x in t], "probe changed"),
    ],
)
def test_reload_ends_alerts_whose_target_or_probe_went(change: Any, why: str) -> None:
    down = {"name": "down", "kind": "icmp", "condition": "down"}
    ev = _evaluator([down], ROUTERS)
    ev.evaluate([_icmp("r1", 0, 100, ok=False), _icmp("r2", 0, 100, ok=False)])
    ev.take()
    rules = compile_rules([AlertRule.model_validate(down)])
    ev.configure(
        rules,
        build_config({"targets": change(ROUTERS)}).targets,
        FlapPolicy(enabled=False),
        5.0,
        results_now_ns=5 * NS,
    )
    transitions, dirty = ev.take()
    assert [(t.alert.target, t.event, t.ended) for t in transitions] == [("r1", "resolved", why)]
    ended = next(a for a in ev.alerts.values() if a.target == "r1")
    assert ended.status == "resolved" and ended.reason == why and ended.resolved_at == 5.0
    assert ended.fingerprint in dirty
    ended.notified = {"oncall": "firing"}
    assert ev.forget_quiet(set()) == []  # kept until the route heard the end
    ended.notified = {"oncall": "resolved", "at:oncall": 6.0}
    if why != "probe changed":
        assert ev.forget_quiet(set()) == [ended.fingerprint]
        return
    # r2 is untouched, and interval/timeout are not a change of what is measured
    assert next(a for a in ev.alerts.values() if a.target == "r2").status == "firing"
    slower = [{**x, "probes": {"icmp": {"interval": "60s", "timeout": "2s"}}} for x in ROUTERS]
    ev.configure(rules, build_config({"targets": slower}).targets, FlapPolicy(enabled=False), 6.0)
    assert ev.take()[0] == []
    if why == "probe changed":
        # a run of the old probe that was under way when the file changed is not evaluated
        ev.evaluate([_icmp("r1", 4.5, 100, ok=False)])
        assert ended.status == "resolved"
        ev.evaluate([_icmp("r1", 7, 100, ok=False)])
        assert ended.status == "firing"  # the new probe measures a fault of its own


def test_restart_ends_alerts_whose_probe_changed_while_the_daemon_was_away() -> None:
    down = {"name": "down", "kind": "icmp", "condition": "down"}
    before = _evaluator([down], ROUTERS)
    before.evaluate([_icmp("r1", 0, 100, ok=False), _icmp("r2", 0, 100, ok=False)])
    saved, digests = list(before.alerts.values()), dict(before.digests)
    moved = [{**x, "address": "127.0.0.5"} if x["name"] == "r2" else x for x in ROUTERS]
    after = _evaluator([down], moved)
    after.restore(saved, digests, 9.0)
    transitions, _ = after.take()
    assert [(t.alert.target, t.ended) for t in transitions] == [("r2", "probe changed")]
    unknown = _evaluator([down], moved)  # no digests saved (first start): only what is certain
    unknown.restore([a for a in saved if a.target == "r1"], None, 9.0)
    assert unknown.take()[0] == []


def test_pos_store_alert_has_its_router_as_parent_and_ends_with_its_store() -> None:
    rule = {"name": "pos-store-down", "kind": "pos_store", "condition": "down"}
    present = {"pos_store": frozenset({"store-a"}), "pos_terminal": frozenset({"store-a"})}
    ev = _evaluator([rule], ROUTERS)
    ev.configure(
        compile_rules([AlertRule.model_validate(rule)]),
        build_config({"targets": ROUTERS}).targets,
        FlapPolicy(enabled=False),
        0.0,
        parents={"store-a": "r1"},
        present=present,
    )
    ev.evaluate(
        [
            ProbeResult(
                measurement="pos",
                target="store-a",
                kind="pos_store",
                time_ns=NS,
                ok=False,
                fields={"up": 0},
                tags={"site": "s1"},
            )
        ]
    )
    (alert,) = ev.alerts.values()
    assert alert.status == "firing" and alert.labels["parent"] == "r1"
    assert ev.target("store-a").parent == "r1" and "r1" in ev.parents and ev.depth("store-a") == 1
    ev.take()
    gone = {"pos_store": frozenset[str](), "pos_terminal": frozenset[str]()}
    ev.configure(
        compile_rules([AlertRule.model_validate(rule)]),
        build_config({"targets": ROUTERS}).targets,
        FlapPolicy(enabled=False),
        2.0,
        present=gone,
    )
    assert [(t.event, t.ended) for t in ev.take()[0]] == [("resolved", "target removed")]


def test_evidence_lines_follow_the_alert_to_its_ticket() -> None:
    ev = _evaluator([{"name": "log-errors", "kind": "ssh_log", "field": "errors", "above": 0}])

    def scrape(t: float, errors: int, lines: tuple[str, ...]) -> None:
        ev.evaluate(
            [
                ProbeResult(
                    measurement="ssh_log",
                    target="srv",
                    kind="ssh_log",
                    time_ns=int(t * NS),
                    ok=True,
                    fields={"up": 1, "errors": errors},
                    evidence=lines,
                )
            ]
        )

    scrape(0, 2, ("disk I/O error on sda", "xfs: metadata corruption"))
    (alert,) = ev.alerts.values()
    assert alert.status == "firing" and alert.evidence == [
        "disk I/O error on sda",
        "xfs: metadata corruption",
    ]
    assert ev.new_evidence == {}  # the ticket opens with these lines
    scrape(1, 1, ("disk I/O error on sda again",))
    assert ev.new_evidence == {alert.fingerprint: ["disk I/O error on sda again"]}


def test_flapping_starts_then_stops_once_the_target_is_steady() -> None:
    policy = FlapPolicy(enabled=True, window=10, high=0.5, low=0.25)
    ev = _evaluator([{"name": "down", "kind": "icmp", "condition": "down"}], policy=policy)
    events: list[tuple[int, str]] = []
    for step in range(30):
        up = step % 2 == 1 if step < 10 else True  # flaps for 10 runs, then answers steadily
        ev.evaluate([_icmp("wan", step, 0 if up else 100, ok=up)])
        events.extend((step, t.event) for t in ev.take()[0] if t.event in ("flapping", "stable"))
    assert [e for _, e in events] == ["flapping", "stable"], events
    started, stopped = (step for step, _ in events)
    assert started < 10 <= stopped
    (alert,) = ev.alerts.values()
    assert alert.flapping is False and alert.status == "resolved"


# -- pushed results (SNMP traps): no holds; down and absent rules have no opinion ------------

IF_DOWN = {
    "name": "if-down",
    "kind": "snmp",
    "measurement": "snmp_interface",
    "field": "described_down",
    "above": 0.5,
    "recover": 0.5,
    "for": "1m",
    "clear_for": "1m",
}
AGENT_DOWN = {
    "name": "agent-down",
    "kind": "snmp",
    "measurement": "snmp_system",
    "condition": "down",
    "for": "0s",
}
SILENT = {"name": "silent", "kind": "snmp", "condition": "absent", "intervals": 2}


def _iface(t: float, down: int, *, pushed: bool) -> ProbeResult:
    return ProbeResult(
        measurement="snmp_interface",
        target="sw1",
        kind="snmp",
        time_ns=int(t * NS),
        ok=True,
        fields={"described_down": down},
        tags={"site": "s1", "ifName": "Gi0/1", "ifIndex": "1", "ifAlias": "uplink"},
        pushed=pushed,
    )


def test_a_pushed_result_skips_the_holds_and_the_poll_keeps_its_own() -> None:
    ev = _evaluator([IF_DOWN])
    ev.evaluate([_iface(0, 1, pushed=True)])  # linkDown trap
    (alert,) = ev.alerts.values()
    assert alert.status == "firing"
    ev.evaluate([_iface(10, 0, pushed=False)])  # a poll that still sees it up: clear_for holds
    assert alert.status == "firing"
    ev.evaluate([_iface(20, 1, pushed=False)])  # the poll agrees
    ev.evaluate([_iface(30, 0, pushed=True)])  # linkUp trap: resolved at once
    assert alert.status == "resolved"
    assert [t.event for t in ev.take()[0]] == ["fired", "resolved"]


def test_down_and_absent_rules_ignore_pushed_results() -> None:
    targets = [{"name": "sw1", "address": "127.0.0.1", "site": "s1", "probes": {"snmp": {"interval": "10s"}}}]
    ev = _evaluator([AGENT_DOWN, SILENT], targets)
    failed = ProbeResult.failure(
        measurement="snmp_system", target="sw1", kind="snmp", reason="timeout", time_ns=0
    )
    ev.evaluate([failed])
    (alert,) = ev.alerts.values()
    assert alert.status == "firing"
    # A coldStart trap (rebooted 1, no "up") says nothing about whether polls get answers.
    trap = ProbeResult(
        measurement="snmp_system",
        target="sw1",
        kind="snmp",
        time_ns=5 * NS,
        ok=True,
        fields={"rebooted": 1},
        tags={"site": "s1"},
        pushed=True,
    )
    ev.evaluate([trap])
    assert alert.status == "firing"
    ev.check_absence(25.0)  # the trap did not count as a poll: 2 intervals without one
    assert any(a.rule == "silent" and a.status == "firing" for a in ev.alerts.values())
