"""From a received notification to results: what the alert engine and the time series see.

Every notification is one ``snmp_trap`` result (tag ``trap``: the standard trap's
name, a rule's name, or the trap OID), with its varbinds as evidence. The
standard traps also speak for the SNMP probe's own series, as pushed results
(``ProbeResult.pushed``: applied at once, no hold) with exactly the tags the poll
uses, so the poll's alert is the one that fires and the next poll agrees:

* linkDown / linkUp: an ``snmp_interface`` result (kind ``snmp``) with the
  interface's up / oper_down / described_down, as the poll computes them:
  ``snmp-interface-down`` fires or resolves at once.
* coldStart / warmStart: an ``snmp_system`` result with ``rebooted`` 1:
  ``snmp-device-rebooted`` fires at once; a ``rebooted`` 0 ends it after
  ``end_after`` if no poll did before.
* authenticationFailure and configured rules: ``active`` 1 on the ``snmp_trap``
  result (alert rules ``snmp-trap-authentication-failure``, ``snmp-trap-critical``,
  ``snmp-trap-warning``), ``active`` 0 after ``end_after`` or on an ``ends_with`` trap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from monitord.config.snmp_traps import SnmpTrapsConfig, TrapRule
from monitord.intake.traps import oids
from monitord.intake.traps.interfaces import InterfaceNames
from monitord.intake.traps.notification import Notification
from monitord.results import FieldValue, ProbeResult
from monitord.snmp.measurements import ADMIN_UP, IF_UP
from probes.base import ProbeTarget

MEASUREMENT = "snmp_trap"
KIND = "snmp_trap"
REASON_LIMIT = 300
IF_DOWN = 2
# Measurements and fields the receiver writes ("number" or "text"): the Grafana dashboards must
# show each one (tests/grafana/test_coverage.py). The standard traps also write some fields of
# snmp_interface and snmp_system, all declared by probes/snmp.py already.
WRITES: dict[str, dict[str, str]] = {
    MEASUREMENT: {
        **dict.fromkeys(("received", "inform", "varbinds", "uptime_s", "active"), "number"),
        **dict.fromkeys(("trap_oid", "version", "sender"), "text"),
    },
}


@dataclass(frozen=True, slots=True)
class TrapRules:
    """Configured rules by trap OID: exact OIDs, subtrees (``oid.*``) and ending OIDs."""

    exact: dict[str, TrapRule]
    subtrees: dict[str, TrapRule]
    ending: dict[str, list[TrapRule]]
    end_after: float

    @classmethod
    def compile(cls, config: SnmpTrapsConfig) -> TrapRules:
        exact: dict[str, TrapRule] = {}
        subtrees: dict[str, TrapRule] = {}
        ending: dict[str, list[TrapRule]] = {}
        for rule in config.rules:
            for oid in rule.oids:
                if oid.endswith(".*"):
                    subtrees.setdefault(oid[:-2], rule)
                else:
                    exact.setdefault(oid, rule)
            for oid in rule.ends_with:
                ending.setdefault(oid.removesuffix(".*"), []).append(rule)
        return cls(exact, subtrees, ending, config.end_after)

    def match(self, trap_oid: str) -> TrapRule | None:
        found = self.exact.get(trap_oid)
        if found is not None or not self.subtrees:
            return found
        parts = trap_oid.split(".")
        for size in range(len(parts) - 1, 1, -1):
            found = self.subtrees.get(".".join(parts[:size]))
            if found is not None:
                return found
        return None

    def hold(self, rule: TrapRule) -> float:
        return rule.end_after if rule.end_after is not None else self.end_after


@dataclass(slots=True)
class Translation:
    """Results to publish now, results to publish at a later time (ends), ends to cancel."""

    results: list[ProbeResult] = field(default_factory=list)
    ends: list[tuple[float, ProbeResult]] = field(default_factory=list)  # (seconds from now, result)
    cancels: list[ProbeResult] = field(default_factory=list)  # publish now, drop the pending end


def translate(
    note: Notification,
    target: ProbeTarget,
    *,
    sender: str,
    time_ns: int,
    rules: TrapRules,
    names: InterfaceNames,
) -> Translation:
    out = Translation()
    base = target.base_tags()
    standard = oids.STANDARD_TRAPS.get(note.trap_oid)
    rule = None if standard else rules.match(note.trap_oid)
    evidence = note.evidence()
    fields: dict[str, FieldValue] = {
        "received": 1,
        "inform": 1 if note.inform else 0,
        "varbinds": len(note.varbinds),
        "trap_oid": note.trap_oid,
        "version": note.version,
        "sender": sender,
    }
    if note.uptime_ticks is not None:
        fields["uptime_s"] = note.uptime_ticks / 100.0
    tags = {**base, "trap": standard or (rule.name if rule else note.trap_oid)}
    reason = f"{standard or (rule.name if rule else 'trap')} {note.trap_oid} from {sender}"
    if rule is not None:
        tags["severity"] = rule.severity
        fields["active"] = 1
        lines = "; ".join(evidence[:4])
        reason = f"{rule.description or rule.name}: {lines}" if lines else (rule.description or rule.name)
    elif standard == "authenticationFailure":
        fields["active"] = 1
    trap = ProbeResult(
        measurement=MEASUREMENT,
        target=target.name,
        kind=KIND,
        time_ns=time_ns,
        ok=True,
        reason=reason[:REASON_LIMIT],
        fields=fields,
        tags=tags,
        evidence=evidence,
        pushed=True,
    )
    out.results.append(trap)
    if "active" in fields:
        hold = rules.hold(rule) if rule is not None else rules.end_after
        out.ends.append((hold, _ended(trap, {"active": 0})))
    for ended in rules.ending.get(note.trap_oid, ()):
        out.cancels.append(
            _ended(trap, {"active": 0}, {**base, "trap": ended.name, "severity": ended.severity})
        )
    if standard in ("linkDown", "linkUp"):
        interface = _interface(note, target, base, time_ns, names, up=standard == "linkUp")
        if interface is not None:
            out.results.append(interface)
    elif standard in ("coldStart", "warmStart"):
        system: dict[str, FieldValue] = {"rebooted": 1}
        if note.uptime_ticks is not None:
            system["uptime_s"] = note.uptime_ticks / 100.0
        restarted = ProbeResult(
            measurement="snmp_system",
            target=target.name,
            kind="snmp",
            time_ns=time_ns,
            ok=True,
            reason=f"{standard} trap from {sender}",
            fields=system,
            tags=dict(base),
            evidence=evidence,
            pushed=True,
        )
        out.results.append(restarted)
        out.ends.append((rules.end_after, _ended(restarted, {"rebooted": 0})))
    return out


def _ended(
    result: ProbeResult, fields: dict[str, FieldValue], tags: dict[str, str] | None = None
) -> ProbeResult:
    return ProbeResult(
        measurement=result.measurement,
        target=result.target,
        kind=result.kind,
        time_ns=result.time_ns,
        ok=True,
        reason="ended: no trap since",
        fields=fields,
        tags=tags if tags is not None else dict(result.tags),
        pushed=True,
    )


def _interface(
    note: Notification,
    target: ProbeTarget,
    base: dict[str, str],
    time_ns: int,
    names: InterfaceNames,
    *,
    up: bool,
) -> ProbeResult | None:
    """The poll's ``snmp_interface`` fields for the interface a linkDown/linkUp names."""
    columns: dict[str, object] = {}
    index: str | None = None
    for varbind in note.varbinds:
        found = oids.column_of(varbind.oid)
        if found is None:
            continue
        column, instance = found
        index = index or instance
        if instance == index:
            columns[column] = varbind.value
    if index is None:
        return None  # no IF-MIB varbind: nothing says which interface
    oper = columns.get("ifOperStatus")
    admin = columns.get("ifAdminStatus")
    oper_status = oper if isinstance(oper, int) else (IF_UP if up else IF_DOWN)
    admin_status = admin if isinstance(admin, int) else ADMIN_UP
    known = names.lookup(target.name, index)
    if known is not None:
        name, alias = known
    else:
        name = _text(columns.get("ifName")) or _text(columns.get("ifDescr")) or f"if{index}"
        alias = _text(columns.get("ifAlias"))
        if any(c in columns for c in ("ifName", "ifDescr", "ifAlias")):
            names.remember(target.name, index, name, alias)
    tags = {**base, "ifName": name, "ifIndex": index}
    if alias:
        tags["ifAlias"] = alias
    oper_up = oper_status == IF_UP
    admin_up = admin_status == ADMIN_UP
    return ProbeResult(
        measurement="snmp_interface",
        target=target.name,
        kind="snmp",
        time_ns=time_ns,
        ok=True,
        reason=f"{'linkUp' if up else 'linkDown'} trap",
        fields={
            "up": 1 if oper_up else 0,
            "oper_down": 1 if admin_up and not oper_up else 0,
            "described_down": 1 if admin_up and not oper_up and alias else 0,
            "admin_status": admin_status,
            "oper_status": oper_status,
        },
        tags=tags,
        evidence=note.evidence(),
        pushed=True,
    )


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").rstrip("\x00")
    return value if isinstance(value, str) else ""
