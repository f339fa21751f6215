"""The compact UDP heartbeat: one ASCII datagram, HMAC-SHA256 signed with the store key.

Layout (fields separated by ``|``; the signature covers everything before it)::

    P1|<store>|<terminal>|<unix ms>|<boot id>|<sequence>|<k=v;k=v...>|<hex HMAC-SHA256>

``boot id`` is a number the terminal picks at start-up and ``sequence`` counts up
from there. Replays are refused twice over: the timestamp must lie within the
replay window of the daemon's clock, and the (boot, sequence) pair must be new
(a 64-wide sliding window per terminal, as IPsec does); a new boot id is taken
only with a timestamp newer than anything accepted from that terminal. Status
keys: ``version``, ``queue`` (queue length), ``printer``, ``last_txn`` (unix s).
"""

from __future__ import annotations

import hmac
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from monitord.pos.register import ReplayWindow
from monitord.results import FieldValue

MAGIC = b"P1"
SIGNATURE_HEX = 64
_WINDOW = 64
_MASK = (1 << _WINDOW) - 1
_MAX_NUMBER = 1 << 63
_TERMINAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$")


class DatagramError(ValueError):
    """Why a datagram was dropped; ``outcome`` is the metrics label."""

    def __init__(self, outcome: str, message: str) -> None:
        super().__init__(message)
        self.outcome = outcome


@dataclass(frozen=True, slots=True)
class Envelope:
    """The unsigned-yet part: enough to find the store key."""

    store: str
    payload: bytes
    signature: bytes
    parts: list[bytes]


@dataclass(frozen=True, slots=True)
class DatagramHeartbeat:
    """A verified datagram's content."""

    store: str
    terminal: str
    ts: float
    boot: int
    sequence: int
    status: dict[str, FieldValue]


def sign(key: bytes, payload: bytes) -> bytes:
    # hmac.digest is the one-shot C path: several times cheaper than an HMAC object.
    return hmac.digest(key, payload, "sha256").hex().encode()


def encode(
    key: bytes,
    store: str,
    terminal: str,
    *,
    ts: float,
    boot: int,
    sequence: int,
    status: Mapping[str, FieldValue] | None = None,
) -> bytes:
    """Build a signed datagram (terminal side; used by tests, benchmarks and docs)."""
    fields = ";".join(f"{k}={v}" for k, v in (status or {}).items())
    payload = b"|".join(
        [
            MAGIC,
            store.encode(),
            terminal.encode(),
            str(int(ts * 1000)).encode(),
            str(boot).encode(),
            str(sequence).encode(),
            fields.encode(),
        ]
    )
    return payload + b"|" + sign(key, payload)


def open_envelope(data: bytes) -> Envelope:
    """Split a datagram; raises DatagramError("malformed") on the wrong shape."""
    parts = data.split(b"|")
    if len(parts) != 8 or parts[0] != MAGIC or len(parts[7]) != SIGNATURE_HEX:
        raise DatagramError("malformed", "not a P1 heartbeat datagram")
    try:
        store = parts[1].decode("ascii")
    except UnicodeDecodeError:
        raise DatagramError("malformed", "store name is not ASCII") from None
    return Envelope(store, data[: -SIGNATURE_HEX - 1], parts[7], parts)


def verify(envelope: Envelope, key: bytes) -> DatagramHeartbeat:
    """Check the signature, then parse the rest; raises DatagramError."""
    if not hmac.compare_digest(sign(key, envelope.payload), envelope.signature):
        raise DatagramError("bad_signature", "signature does not match the store key")
    parts = envelope.parts
    try:
        terminal = parts[2].decode("ascii")
        ts_ms, boot, sequence = int(parts[3]), int(parts[4]), int(parts[5])
        status = _status(parts[6])
    except (ValueError, UnicodeDecodeError):
        raise DatagramError("malformed", "bad number or status field") from None
    # A bound on ts_ms before it becomes a float: int / float raises OverflowError past ~1e308.
    numbers_ok = 0 <= boot < _MAX_NUMBER and 0 <= sequence < _MAX_NUMBER and 0 <= ts_ms <= MAX_TIMESTAMP_MS
    if not _TERMINAL_ID.match(terminal) or not numbers_ok:
        raise DatagramError("malformed", "terminal, boot, sequence or timestamp out of range")
    return DatagramHeartbeat(envelope.store, terminal, ts_ms / 1000.0, boot, sequence, status)


_INT_KEYS = {"queue": "queue_length"}
_TEXT_KEYS = {"version": "version", "printer": "printer"}
# The same bound the HTTP form puts on ``status.queue_length``.
MAX_QUEUE = 1_000_000
# ``last_txn`` must be a finite time a datetime can show: NaN/inf would break the API's
# ISO rendering and reach the sinks. 253402300799 is 9999-12-31T23:59:59Z.
MAX_TIMESTAMP = 253_402_300_799.0
MAX_TIMESTAMP_MS = 253_402_300_799_999


def _status(raw: bytes) -> dict[str, FieldValue]:
    status: dict[str, FieldValue] = {}
    if not raw:
        return status
    for item in raw.decode("utf-8").split(";"):
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(item)
        if key in _INT_KEYS:
            number = int(value)
            if not 0 <= number <= MAX_QUEUE:
                raise ValueError(key)
            status[_INT_KEYS[key]] = number
        elif key in _TEXT_KEYS:
            if len(value) > 64:
                raise ValueError(key)
            status[_TEXT_KEYS[key]] = value
        elif key == "last_txn":
            when = float(value)
            if not (math.isfinite(when) and 0.0 <= when <= MAX_TIMESTAMP):
                raise ValueError(key)
            status["last_transaction"] = when
        else:
            raise ValueError(key)
    return status


def admit(window: ReplayWindow, boot: int, sequence: int, ts: float) -> bool:
    """Record (boot, sequence) in the terminal's window; False if it is a replay."""
    if window.boot != boot:
        if window.boot is not None and ts <= window.last_ts:
            return False  # an old boot's datagram, or a reboot with a clock gone backwards
        window.boot, window.highest, window.mask, window.last_ts = boot, sequence, 1, ts
        return True
    if sequence > window.highest:
        shift = sequence - window.highest
        window.mask = ((window.mask << shift) | 1) & _MASK if shift < _WINDOW else 1
        window.highest = sequence
    else:
        offset = window.highest - sequence
        if offset >= _WINDOW:
            return False
        bit = 1 << offset
        if window.mask & bit:
            return False
        window.mask |= bit
    window.last_ts = max(window.last_ts, ts)
    return True
