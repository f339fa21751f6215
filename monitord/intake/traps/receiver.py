"""One datagram's way: decode, check the credentials, find the sender's target, translate.

Synchronous and free of I/O (replies are returned, not sent), so the service
drives it from its worker, the benchmark calls it directly, and a malformed
datagram of any kind is a counted ``Malformed`` that changes nothing else.
Order matters for informs: one with valid credentials is acknowledged even when
its sender maps to no target (it was received; the mapping is ours to fix, and
an unanswered inform is only sent again).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from monitord.config.snmp_traps import SnmpTrapsConfig
from monitord.intake.traps.decode import V1, V2C, V3, Malformed, decode_community, version_of
from monitord.intake.traps.interfaces import InterfaceNames
from monitord.intake.traps.metrics import TrapMetrics
from monitord.intake.traps.notification import Notification
from monitord.intake.traps.senders import OnceLog, SenderMap, normal_address
from monitord.intake.traps.trap_results import Translation, TrapRules, translate
from monitord.intake.traps.usm import UsmReceiver

VERSION_NAMES = {V1: "1", V2C: "2c", V3: "3"}


@dataclass(slots=True)
class Handled:
    """What became of one datagram."""

    translation: Translation | None = None
    replies: list[bytes] = field(default_factory=list)
    outcome: str = "accepted"  # accepted, or the reason it was dropped (malformed/refused word)


class TrapReceiver:
    """Holds the configuration in force; ``handle`` is called once per datagram."""

    def __init__(self, metrics: TrapMetrics, senders: SenderMap, names: InterfaceNames) -> None:
        self.metrics = metrics
        self.senders = senders
        self.names = names
        self.once = OnceLog()
        self.usm: UsmReceiver | None = None
        self._communities: frozenset[bytes] = frozenset()
        self.rules = TrapRules({}, {}, {}, 600.0)
        self.translated = 0  # notifications turned into results (a plain count: benchmarks read it)
        self._received = {
            (v, pdu): metrics.received.labels(version=v, pdu=pdu)
            for v in ("1", "2c", "3")
            for pdu in ("trap", "inform")
        }

    def configure(self, config: SnmpTrapsConfig, usm: UsmReceiver | None) -> None:
        self._communities = frozenset(c.get_secret_value().encode() for c in config.communities)
        self.rules = TrapRules.compile(config)
        self.usm = usm

    def handle(self, data: bytes, host: str, address: tuple[str, int], time_ns: int) -> Handled:
        sender = normal_address(host)
        try:
            version = version_of(data)
            if version in (V1, V2C):
                message = decode_community(data)
                if message.community not in self._communities:
                    return self._refuse(sender, "bad_community", "unknown community")
                note = message.notification
                replies = [message.response] if message.response is not None else []
            elif version == V3:
                if self.usm is None:
                    return self._refuse(sender, "v3_off", "no SNMPv3 users configured")
                outcome = self.usm.receive(data, address)
                replies = outcome.replies
                if outcome.notification is None:
                    if outcome.refused == "discovery":
                        self.metrics.discovery.inc()
                        return Handled(replies=replies, outcome="discovery")
                    refused = self._refuse(sender, outcome.refused or "refused", "USM refused the message")
                    refused.replies = replies  # pysnmp's Report says why (RFC 3414 3.2)
                    return refused
                note = outcome.notification
            else:
                raise Malformed("bad_version", f"version {version}")
        except Malformed as exc:
            self.metrics.malformed.labels(reason=exc.reason).inc()
            return Handled(outcome=exc.reason)
        self._received[(note.version, "inform" if note.inform else "trap")].inc()
        if note.inform:
            self.metrics.acknowledged.inc(len(replies))
        return self._translate(note, sender, time_ns, replies)

    def _translate(self, note: Notification, sender: str, time_ns: int, replies: list[bytes]) -> Handled:
        target = self.senders.lookup(sender)
        if target is None:
            handled = self._refuse(sender, "unknown_sender", "no target has this address")
            handled.replies = replies
            return handled
        self.once.accepted(sender, target.name)
        self.translated += 1
        return Handled(
            translate(note, target, sender=sender, time_ns=time_ns, rules=self.rules, names=self.names),
            replies,
        )

    def _refuse(self, sender: str, reason: str, detail: str) -> Handled:
        self.metrics.refused.labels(reason=reason).inc()
        self.once.refused(sender, reason, detail)
        return Handled(outcome=reason)
