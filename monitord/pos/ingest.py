"""Accepting heartbeats: who may speak for which terminal, and what a heartbeat records.

HTTP and UDP meet here. Every refusal is counted by transport and outcome
(``monitord_pos_heartbeats_total``) and changes nothing else: a bad heartbeat
never creates a terminal, never moves a terminal's last-seen time and never
advances its anti-replay window.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping

from prometheus_client import CollectorRegistry
from pydantic import BaseModel, ConfigDict, Field

from monitord.errors import NotFoundError, RequestError
from monitord.inputs import Line, Name
from monitord.pos import datagram
from monitord.pos.clock import Clock
from monitord.pos.counters import HeartbeatCounters
from monitord.pos.register import Register, Store, Terminal
from monitord.results import FieldValue

log = logging.getLogger("monitord.pos")

TERMINAL_ID = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$"
OUTCOMES = (
    "accepted",
    "auto_registered",
    "malformed",
    "oversized",
    "unauthorized",
    "forbidden",
    "unknown_store",
    "unknown_terminal",
    "bad_signature",
    "stale",
    "replayed",
    "no_key",
)
# A leaked store token must not be able to fill memory with invented terminals.
MAX_TERMINALS_PER_STORE = 1000


class HeartbeatStatus(BaseModel):
    """Optional state a till reports with its heartbeat."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    last_transaction: dt.datetime | None = None
    queue_length: int | None = Field(default=None, ge=0, le=1_000_000)
    printer: Line | None = Field(default=None, max_length=64)


class HeartbeatBody(BaseModel):
    """``POST /api/v1/pos/heartbeat``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    terminal: str = Field(pattern=TERMINAL_ID)
    store: Name = Field(min_length=1, max_length=128)
    version: Line | None = Field(default=None, max_length=64)
    status: HeartbeatStatus | None = None


class Refused(RequestError):
    """A refused HTTP heartbeat: the status code plus the metrics outcome."""

    def __init__(self, outcome: str, message: str, status: int, field: str | None = None) -> None:
        super().__init__(message, field=field, status=status)
        self.outcome = outcome


RegisteredListener = Callable[[Terminal], None]


class HeartbeatIngest:
    """Applies authenticated heartbeats to the register."""

    def __init__(
        self, registry: CollectorRegistry, clock: Clock, on_registered: RegisteredListener | None = None
    ) -> None:
        self.register = Register()
        self.clock = clock
        self.replay_window = 120.0
        self._on_registered = on_registered
        self.counters = HeartbeatCounters(("http", "udp"), OUTCOMES).register(registry)
        self._counts = self.counters.values

    def count(self, transport: str, outcome: str) -> None:
        self._counts[(transport, outcome)] += 1

    def _terminal(self, store: Store, terminal_id: str, transport: str) -> Terminal | None:
        terminal = store.terminals.get(terminal_id)
        if terminal is not None:
            return terminal
        if not store.auto_register or len(store.terminals) >= MAX_TERMINALS_PER_STORE:
            return None
        terminal = self.register.add_terminal(store, terminal_id, "auto")
        terminal.since = self.clock.now()
        log.info("pos: registered terminal %s automatically (%s)", terminal.key, transport)
        self.count(transport, "auto_registered")
        if self._on_registered is not None:
            self._on_registered(terminal)
        return terminal

    def record(
        self,
        terminal: Terminal,
        transport: str,
        address: str | None,
        version: str | None,
        status: Mapping[str, FieldValue],
    ) -> None:
        terminal.last_seen = self.clock.now()
        terminal.heartbeats += 1
        terminal.transport = transport
        if address is not None:
            terminal.seen_address = address
        if version is not None:
            terminal.version = version
        if status:
            terminal.reported = dict(status)
        self.count(transport, "accepted")

    # -- HTTP ---------------------------------------------------------------------------

    def http(self, token_digest: bytes | None, body: HeartbeatBody, address: str | None) -> Terminal:
        """Apply an HTTP heartbeat; raises Refused (4xx) after counting it."""
        owner = self.register.tokens.get(token_digest) if token_digest is not None else None
        if owner is None:
            self.count("http", "unauthorized")
            raise Refused("unauthorized", "missing or unknown POS token", 401)
        if owner.store != body.store or (owner.terminal is not None and owner.terminal != body.terminal):
            self.count("http", "forbidden")
            raise Refused("forbidden", "this token may not report for that terminal", 403, "terminal")
        store = self.register.stores.get(body.store)
        if store is None:
            self.count("http", "unknown_store")
            raise NotFoundError(f"no store named {body.store!r}", field="store")
        terminal = self._terminal(store, body.terminal, "http")
        if terminal is None:
            self.count("http", "unknown_terminal")
            raise Refused(
                "unknown_terminal", f"no terminal {body.terminal!r} in store {body.store!r}", 404, "terminal"
            )
        status: dict[str, FieldValue] = {}
        if body.status is not None:
            if body.status.last_transaction is not None:
                when = body.status.last_transaction
                if when.tzinfo is None:
                    when = when.replace(tzinfo=dt.UTC)
                status["last_transaction"] = when.timestamp()
            if body.status.queue_length is not None:
                status["queue_length"] = body.status.queue_length
            if body.status.printer is not None:
                status["printer"] = body.status.printer
        self.record(terminal, "http", address, body.version, status)
        return terminal

    # -- UDP ----------------------------------------------------------------------------

    def udp(self, data: bytes, address: str | None, max_bytes: int) -> Terminal | None:
        """Apply one datagram; returns None (and counts why) when it is dropped."""
        if len(data) > max_bytes:
            self.count("udp", "oversized")
            return None
        try:
            envelope = datagram.open_envelope(data)
            store = self.register.stores.get(envelope.store)
            if store is None:
                raise datagram.DatagramError("unknown_store", envelope.store)
            if store.udp_key is None:
                raise datagram.DatagramError("no_key", envelope.store)
            beat = datagram.verify(envelope, store.udp_key)
        except datagram.DatagramError as exc:
            self.count("udp", exc.outcome)
            return None
        if abs(beat.ts - self.clock.now()) > self.replay_window:
            self.count("udp", "stale")
            return None
        terminal = self._terminal(store, beat.terminal, "udp")
        if terminal is None:
            self.count("udp", "unknown_terminal")
            return None
        if not datagram.admit(terminal.replay, beat.boot, beat.sequence, beat.ts):
            self.count("udp", "replayed")
            return None
        status = beat.status
        version = status.pop("version", None)
        self.record(terminal, "udp", address, None if version is None else str(version), status)
        return terminal
