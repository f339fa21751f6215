"""The receiver's pure parts: per-sender limits, ending deadlines, rule matching, and which
tags a linkDown/linkUp result carries (the poll's, so both feed one alert)."""

from __future__ import annotations

from monitord.config.snmp_traps import SnmpTrapsConfig
from monitord.intake.traps.endings import Endings, key_of
from monitord.intake.traps.interfaces import InterfaceNames
from monitord.intake.traps.limits import SenderLimits
from monitord.intake.traps.notification import Notification
from monitord.intake.traps.oids import LINK_DOWN, LINK_UP
from monitord.intake.traps.trap_results import Translation, TrapRules, translate
from monitord.results import ProbeResult
from monitord.snmp.values import ValueKind, VarBind
from probes.base import ProbeTarget

SWITCH = ProbeTarget(name="sw1", address="192.0.2.1", site="hq")


def test_limits_allow_the_burst_then_the_rate_per_sender() -> None:
    limits = SenderLimits(rate=10.0, burst=3)
    assert [limits.allow("a", 0.0) for _ in range(4)] == [True, True, True, False]
    assert limits.allow("b", 0.0)  # another sender has its own bucket
    assert not limits.allow("a", 0.05)  # half a token
    assert [limits.allow("a", 0.2) for _ in range(3)] == [True, True, False]  # 0.5 + 1.5 tokens


def test_limits_forget_idle_senders_when_the_table_is_full() -> None:
    limits = SenderLimits(rate=1.0, burst=2, max_senders=3)
    for sender in ("a", "b", "c"):
        limits.allow(sender, 0.0)
    limits.allow("d", 100.0)  # a, b and c have refilled: forgotten
    assert len(limits) == 1


def _result(at: int, active: int, trap: str = "t") -> ProbeResult:
    return ProbeResult(
        measurement="snmp_trap", target="sw1", kind="snmp_trap", time_ns=at, ok=True,
        fields={"active": active}, tags={"trap": trap}, pushed=True,
    )  # fmt: skip


def test_endings_move_with_each_new_trap_and_survive_a_snapshot() -> None:
    endings = Endings()
    endings.schedule(10.0, _result(1, 0))
    endings.schedule(20.0, _result(2, 0))  # a second trap: the end moves
    endings.schedule(15.0, _result(3, 0, trap="other"))
    assert endings.due(12.0) == []
    assert [r.tags["trap"] for r in endings.due(16.0)] == ["other"]
    copy = Endings()
    copy.restore(endings.snapshot(), time_ns=99)
    assert copy.next_at() == 20.0
    (ended,) = copy.due(20.0)
    assert (ended.fields, ended.pushed, ended.time_ns) == ({"active": 0}, True, 99)
    assert copy.cancel(key_of(ended)) is None and len(copy) == 0


def test_rules_match_exact_oids_then_the_longest_subtree() -> None:
    config = SnmpTrapsConfig(
        rules=[
            {"name": "exact", "oids": ["1.3.6.1.4.1.9.0.1"]},
            {"name": "vendor", "oids": ["1.3.6.1.4.1.9.*"]},
            {"name": "fans", "oids": ["1.3.6.1.4.1.9.9.117.*"], "end_after": "1h"},
        ]
    )
    rules = TrapRules.compile(config)
    assert rules.match("1.3.6.1.4.1.9.0.1").name == "exact"  # type: ignore[union-attr]
    assert rules.match("1.3.6.1.4.1.9.9.117.2.0.6").name == "fans"  # type: ignore[union-attr]
    assert rules.match("1.3.6.1.4.1.9.5.1").name == "vendor"  # type: ignore[union-attr]
    assert rules.match("1.3.6.1.4.1.318.0.5") is None
    assert rules.hold(rules.subtrees["1.3.6.1.4.1.9.9.117"]) == 3600.0


def _link(trap_oid: str, *varbinds: tuple[str, ValueKind, int | bytes]) -> Notification:
    return Notification("2c", False, trap_oid, 100, tuple(VarBind(*v) for v in varbinds), "community")


def _translate(note: Notification, names: InterfaceNames) -> Translation:
    rules = TrapRules.compile(SnmpTrapsConfig())
    return translate(note, SWITCH, sender="192.0.2.1", time_ns=1, rules=rules, names=names)


def _interface_result(note: Notification, names: InterfaceNames) -> ProbeResult:
    translation = _translate(note, names)
    (interface,) = [r for r in translation.results if r.measurement == "snmp_interface"]
    return interface


def test_link_down_uses_the_names_the_poll_reported() -> None:
    names = InterfaceNames()
    poll = ProbeResult(
        measurement="snmp_interface", target="sw1", kind="snmp", time_ns=0, ok=True, fields={"up": 1},
        tags={"site": "hq", "ifName": "ge-0/0/1", "ifIndex": "513", "ifAlias": "to core"},
    )  # fmt: skip
    names.learn([poll])
    note = _link(
        LINK_DOWN,
        ("1.3.6.1.2.1.2.2.1.1.513", ValueKind.INTEGER, 513),
        ("1.3.6.1.2.1.2.2.1.7.513", ValueKind.INTEGER, 1),
        ("1.3.6.1.2.1.2.2.1.8.513", ValueKind.INTEGER, 2),
        ("1.3.6.1.2.1.2.2.1.2.513", ValueKind.OCTETS, b"ge-0/0/1.0 descr"),
    )
    result = _interface_result(note, names)
    assert result.tags == poll.tags  # the poll's alert identity, not the trap's ifDescr
    assert (result.kind, result.pushed) == ("snmp", True)
    assert result.fields == {
        "up": 0,
        "oper_down": 1,
        "described_down": 1,
        "admin_status": 1,
        "oper_status": 2,
    }


def test_link_down_without_a_poll_names_the_interface_as_the_poll_would() -> None:
    note = _link(LINK_DOWN, ("1.3.6.1.2.1.2.2.1.2.7", ValueKind.OCTETS, b"eth7"))
    result = _interface_result(note, InterfaceNames())
    assert result.tags == {"site": "hq", "ifName": "eth7", "ifIndex": "7"}  # ifName, else ifDescr
    assert result.fields["described_down"] == 0  # no alias known: not a described interface
    assert result.fields["oper_status"] == 2  # linkDown without ifOperStatus: down


def test_link_up_of_an_admin_down_port_and_a_trap_without_an_interface() -> None:
    note = _link(
        LINK_UP,
        ("1.3.6.1.2.1.2.2.1.7.3", ValueKind.INTEGER, 2),
        ("1.3.6.1.2.1.2.2.1.8.3", ValueKind.INTEGER, 2),
    )
    assert _interface_result(note, InterfaceNames()).fields["oper_down"] == 0  # shut down on purpose
    bare = _translate(_link(LINK_DOWN), InterfaceNames())
    assert [r.measurement for r in bare.results] == ["snmp_trap"]  # nothing says which interface


def test_link_up_by_ifindex_only_ends_what_a_named_link_down_opened() -> None:
    names = InterfaceNames()
    down = _link(
        LINK_DOWN,
        ("1.3.6.1.2.1.2.2.1.1.5", ValueKind.INTEGER, 5),
        ("1.3.6.1.2.1.31.1.1.1.1.5", ValueKind.OCTETS, b"Gi0/5"),
        ("1.3.6.1.2.1.31.1.1.1.18.5", ValueKind.OCTETS, b"uplink"),
    )
    up = _link(LINK_UP, ("1.3.6.1.2.1.2.2.1.1.5", ValueKind.INTEGER, 5))
    opened = _interface_result(down, names)
    ended = _interface_result(up, names)
    assert ended.tags == opened.tags == {"site": "hq", "ifName": "Gi0/5", "ifIndex": "5", "ifAlias": "uplink"}
    assert (opened.fields["described_down"], ended.fields["described_down"]) == (1, 0)
