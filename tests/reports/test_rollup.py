"""The rollup's counting rules on hand-made results (pure logic: no database)."""

from __future__ import annotations

from monitord.reports.rollup import HOUR, Rollup
from monitord.results import ProbeResult

T0 = 1_790_000_000 // HOUR * HOUR  # an hour boundary


def run(
    at: float,
    ok: bool = True,
    *,
    target: str = "sw",
    kind: str = "icmp",
    measurement: str = "icmp",
    up: int | None = None,
    reason: str | None = None,
) -> ProbeResult:
    fields = {"up": (1 if ok else 0) if up is None else up}
    return ProbeResult(measurement, target, kind, round(at * 1e9), ok, reason, fields)


def rollup(cap: float = 180.0) -> Rollup:
    return Rollup({"icmp": "icmp", "snmp": "snmp_system"}, {}, cap)


def test_an_outage_runs_from_the_failed_run_to_the_next_good_one_split_at_the_hour() -> None:
    counting = rollup()
    counting.add([run(T0 - 120), run(T0 - 60, ok=False), run(T0, ok=False), run(T0 + 90)])
    drained = counting.drain(T0 + 100)
    # down from T0-60 to T0+90: 60 s in the hour before, 90 s in the hour of T0
    assert drained.cells[("sw", "icmp", T0 - HOUR)] == [2, 1, 1, 60.0]
    assert drained.cells[("sw", "icmp", T0)] == [2, 1, 1, 90.0]
    assert [(o.started, o.ended, o.open) for o in drained.outages] == [(T0 - 60, T0 + 90, False)]


def test_a_gap_longer_than_the_cap_ends_the_outage_at_the_cap() -> None:
    counting = rollup(cap=180.0)
    counting.add([run(T0, ok=False), run(T0 + 3600, ok=False), run(T0 + 3660)])
    drained = counting.drain(T0 + 4000)
    # 180 s after T0, then a new outage from T0+3600 to T0+3660
    assert drained.cells[("sw", "icmp", T0)][3] == 180.0
    assert drained.cells[("sw", "icmp", T0 + HOUR)][3] == 60.0
    assert sorted((o.started, o.ended) for o in drained.outages) == [(T0, T0 + 180), (T0 + 3600, T0 + 3660)]


def test_an_open_outage_is_credited_up_to_now_and_continues_after_the_flush() -> None:
    counting = rollup(cap=180.0)
    counting.add([run(T0, ok=False), run(T0 + 60, ok=False)])
    first = counting.drain(T0 + 100)
    assert first.cells[("sw", "icmp", T0)][3] == 100.0
    assert [(o.ended, o.open) for o in first.outages] == [(T0 + 100, True)]
    counting.add([run(T0 + 120)])
    second = counting.drain(T0 + 130)
    assert second.cells[("sw", "icmp", T0)] == [1, 0, 1, 20.0]  # 100..120
    assert [(o.started, o.ended, o.open) for o in second.outages] == [(T0, T0 + 120, False)]


def test_up_zero_on_an_ok_run_is_down_and_a_finding_is_not_clean() -> None:
    counting = rollup()
    counting.add([run(T0, ok=True, up=0), run(T0 + 30, reason="stale backup"), run(T0 + 60)])
    cell = counting.drain(T0 + 60).cells[("sw", "icmp", T0)]
    assert cell == [3, 1, 1, 30.0]  # runs, failed, clean (only the last), 30 s down


def test_only_the_kinds_verdict_measurement_is_a_run() -> None:
    counting = rollup()
    counting.add(
        [
            run(T0, kind="snmp", measurement="snmp_system"),
            run(T0, kind="snmp", measurement="snmp_interface", ok=False),  # an interface, not the agent
            run(T0, kind="http", measurement="tls"),  # unknown kind: its own name is the verdict
        ]
    )
    cells = counting.drain(T0).cells
    assert cells == {("sw", "snmp", T0): [1, 0, 1, 0.0]}


def test_a_late_result_is_counted_but_does_not_rewind_the_outage() -> None:
    counting = rollup()
    counting.add([run(T0, ok=False), run(T0 + 60)])
    counting.add([run(T0 + 30, ok=False)])  # arrives late
    drained = counting.drain(T0 + 100)
    assert drained.cells[("sw", "icmp", T0)] == [3, 2, 1, 60.0]


def test_a_failed_write_is_put_back_and_added_to_the_next_flush() -> None:
    counting = rollup()
    counting.add([run(T0, ok=False), run(T0 + 10)])
    lost = counting.drain(T0 + 20)
    counting.add([run(T0 + 20)])
    counting.put_back(lost)
    again = counting.drain(T0 + 30)
    assert again.cells[("sw", "icmp", T0)] == [3, 1, 2, 10.0]
    assert len(again.outages) == 1
