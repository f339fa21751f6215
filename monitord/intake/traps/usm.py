"""SNMPv3 notifications through pysnmp's USM (the engine the SNMP probe uses for v3).

aiosnmp has no SNMPv3, so a v3 datagram is handed to a pysnmp ``SnmpEngine``
whose transport is not a socket of its own: ``receive`` feeds the datagram in and
collects what pysnmp wants to send back (the Response to an inform, the Report
of engine-ID discovery), which the listener sends from the socket the datagram
came in on. Engine IDs: a *trap*'s authoritative engine is its sender, so a user's
keys are localised once per sender engine ID listed in ``engine_ids``; an
*inform*'s authoritative engine is this receiver (``engine_id``), which senders
discover first. Building the engine loads MIB modules from disk: call ``build``
in a thread.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pysnmp.carrier.base import AbstractTransport, AbstractTransportDispatcher
from pysnmp.entity import config as pysnmp_config
from pysnmp.entity.engine import SnmpEngine
from pysnmp.entity.rfc3413 import ntfrcv
from pysnmp.proto.api import v2c

from monitord.config.snmp_traps import TrapUser, engine_id_bytes
from monitord.intake.traps.decode import Malformed, from_varbinds
from monitord.intake.traps.notification import Notification
from monitord.snmp.v3 import AUTH_PROTOCOLS, PRIV_PROTOCOLS, _varbind

DOMAIN = (1, 3, 6, 1, 6, 1, 1)  # snmpUDPDomain; one per engine, IPv6 senders use it too
_REQUEST = "rfc3412.receiveMessage:request"  # pysnmp's execution point with the request's details
PYSNMP_ENTERPRISE = bytes.fromhex("80004fb805")  # enterprise 20408, format 5 (octets follow)

# USM statistics (SNMP-USER-BASED-SM-MIB) -> the word a refused datagram is counted under.
_USM_STATS = {
    "usmStatsUnknownUserNames": "unknown_user",
    "usmStatsWrongDigests": "wrong_digest",
    "usmStatsDecryptionErrors": "decryption_failed",
    "usmStatsUnsupportedSecLevels": "wrong_security_level",
    "usmStatsNotInTimeWindows": "not_in_time_window",
    "usmStatsUnknownEngineIDs": "unknown_engine_id",
}

# pysnmp's counters of messages it could not parse at all (RFC 3412): malformed, not refused.
_PARSE_ERRORS = (
    ("__SNMPv2-MIB", "snmpInASNParseErrs"),
    ("__SNMPv2-MIB", "snmpInBadVersions"),
    ("__SNMP-MPD-MIB", "snmpInvalidMsgs"),
    ("__SNMP-MPD-MIB", "snmpUnknownSecurityModels"),
    ("__SNMP-MPD-MIB", "snmpUnknownPDUHandlers"),
)


def default_engine_id(seed: str) -> bytes:
    """A stable engine ID for this installation (pysnmp's enterprise number, format 5)."""
    return PYSNMP_ENTERPRISE + hashlib.blake2b(seed.encode(), digest_size=8).digest()


def _next_boots(path: Path | None) -> int:
    """snmpEngineBoots for this start: one more than the last, kept in ``path``."""
    if path is None:
        return 1
    try:
        boots = int(path.read_text(encoding="ascii").strip()) + 1
    except (OSError, ValueError):
        boots = 1
    boots = boots if 0 < boots < 2**31 - 1 else 1
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch = path.with_suffix(".tmp")
        scratch.write_text(str(boots), encoding="ascii")
        scratch.replace(path)
    except OSError:
        pass  # a read-only state directory: boots restart at 1, senders resynchronise
    return boots


class _Dispatcher(AbstractTransportDispatcher):  # type: ignore[misc]
    """No loop, no timers: ``receive`` drives the engine one datagram at a time."""


class _Transport(AbstractTransport):  # type: ignore[misc]
    """Collects what the engine sends; the listener puts it on the wire."""

    PROTO_TRANSPORT_DISPATCHER = _Dispatcher

    def __init__(self) -> None:
        self.outgoing: list[tuple[bytes, Any]] = []

    def send_message(self, outgoingMessage: Any, transportAddress: Any) -> None:
        self.outgoing.append((bytes(outgoingMessage), transportAddress))

    def close_transport(self) -> None:
        self.outgoing.clear()


@dataclass(slots=True)
class V3Outcome:
    """What one v3 datagram amounted to: a notification, or the reason it was refused."""

    notification: Notification | None = None
    refused: str | None = None  # a _USM_STATS word, or "discovery" (answered with a Report)
    replies: list[bytes] = field(default_factory=list)


class UsmReceiver:
    """One pysnmp engine with the configured users; not thread-safe (the loop owns it)."""

    def __init__(self, engine: SnmpEngine, transport: _Transport, engine_id: bytes) -> None:
        self._engine = engine
        self._transport = transport
        self.engine_id = engine_id
        self._current: Notification | None = None
        builder = engine.get_mib_builder()
        self._stats = {
            word: builder.import_symbols("__SNMP-USER-BASED-SM-MIB", name)[0]
            for name, word in _USM_STATS.items()
        }
        self._parse_errors = [builder.import_symbols(module, name)[0] for module, name in _PARSE_ERRORS]
        self._dispatcher: _Dispatcher = engine.transport_dispatcher

    @classmethod
    def build(cls, engine_id: bytes, users: Sequence[TrapUser], boots_file: Path | None) -> UsmReceiver:
        """A receiver for ``users`` (blocking: MIB modules load from disk, boots are counted in
        ``boots_file``: RFC 3414 wants snmpEngineBoots to grow with every restart of an engine ID)."""
        engine = SnmpEngine()  # not snmpEngineID=: pysnmp would keep its boots under /tmp
        builder = engine.get_mib_builder()
        (identity,) = builder.import_symbols("__SNMP-FRAMEWORK-MIB", "snmpEngineID")
        identity.syntax = identity.syntax.clone(engine_id)
        engine.snmpEngineID = identity.syntax
        (boots,) = builder.import_symbols("__SNMP-FRAMEWORK-MIB", "snmpEngineBoots")
        boots.syntax = boots.syntax.clone(_next_boots(boots_file))
        transport = _Transport()
        engine.register_transport_dispatcher(_Dispatcher())
        pysnmp_config.add_transport(engine, DOMAIN, transport)
        for user in users:
            auth = AUTH_PROTOCOLS[user.auth_protocol] if user.auth_key else pysnmp_config.USM_AUTH_NONE
            priv = PRIV_PROTOCOLS[user.priv_protocol] if user.priv_key else pysnmp_config.USM_PRIV_NONE
            keys = {
                "authProtocol": auth,
                "authKey": user.auth_key.get_secret_value() if user.auth_key else None,
                "privProtocol": priv,
                "privKey": user.priv_key.get_secret_value() if user.priv_key else None,
            }
            # Informs: keys localised to our own engine ID.
            pysnmp_config.add_v3_user(engine, user.user, **keys)
            for sender in user.engine_ids:
                pysnmp_config.add_v3_user(
                    engine, user.user, securityEngineId=v2c.OctetString(engine_id_bytes(sender)), **keys
                )
        receiver = cls(engine, transport, engine_id)
        ntfrcv.NotificationReceiver(engine, receiver._received)
        return receiver

    def _received(  # noqa: PLR0917 (pysnmp calls it with these six positional arguments)
        self,
        engine: Any,
        state_reference: Any,
        context_engine_id: Any,
        context_name: Any,
        varbinds: Any,
        context: Any,
    ) -> None:
        found = [_varbind(oid, value) for oid, value in varbinds]
        request = engine.observer.get_execution_context(_REQUEST)
        pdu = request.get("pdu")
        inform = pdu is not None and pdu.tagSet == v2c.InformRequestPDU.tagSet
        self._current = from_varbinds("3", inform, found, str(request.get("securityName", "")))

    def receive(self, data: bytes, address: tuple[str, int]) -> V3Outcome:
        """Run one datagram through the engine; raises ``Malformed`` for undecodable ones."""
        before = {word: int(symbol.syntax) for word, symbol in self._stats.items()}
        errors_before = sum(int(symbol.syntax) for symbol in self._parse_errors)
        self._current = None
        self._transport.outgoing.clear()
        try:
            self._dispatcher._callback_function(self._transport, (address[0], address[1]), data)
        except Malformed:
            raise
        except Exception as exc:  # pysnmp raises assorted errors for a message it cannot parse
            raise Malformed("bad_v3", type(exc).__name__) from None
        outcome = V3Outcome(replies=[message for message, _ in self._transport.outgoing])
        self._transport.outgoing.clear()
        if self._current is not None:
            outcome.notification = self._current
            return outcome
        grown = [word for word, symbol in self._stats.items() if int(symbol.syntax) > before[word]]
        if not grown:
            # Nothing USM could object to: pysnmp could not read the message (or dropped it
            # without a word, which changes nothing either).
            errors = sum(int(symbol.syntax) for symbol in self._parse_errors) - errors_before
            raise Malformed("bad_v3", "unreadable SNMPv3 message" if errors else "dropped by the v3 engine")
        outcome.refused = grown[0]
        if outcome.refused in ("unknown_engine_id", "not_in_time_window") and outcome.replies:
            outcome.refused = "discovery"  # a sender learning our engine ID / time: answered
        return outcome

    def close(self) -> None:
        self._transport.close_transport()
