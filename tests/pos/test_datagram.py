"""The signed UDP form and its anti-replay window (pure logic, no sockets)."""

from __future__ import annotations

import pytest

from monitord.pos.datagram import DatagramError, admit, encode, open_envelope, verify
from monitord.pos.register import ReplayWindow
from monitord.results import FieldValue

KEY = b"store-key-0123456789"


def test_round_trip() -> None:
    data = encode(
        KEY,
        "s1",
        "t1",
        ts=1_800_000_000.123,
        boot=42,
        sequence=7,
        status={"version": "1.2", "queue": 3, "printer": "ok", "last_txn": 1_799_999_000},
    )
    assert data.startswith(b"P1|s1|t1|1800000000123|42|7|version=1.2;queue=3;printer=ok;last_txn=")
    beat = verify(open_envelope(data), KEY)
    assert (beat.store, beat.terminal, beat.boot, beat.sequence) == ("s1", "t1", 42, 7)
    assert beat.ts == pytest.approx(1_800_000_000.123)
    assert beat.status == {
        "version": "1.2",
        "queue_length": 3,
        "printer": "ok",
        "last_transaction": 1_799_999_000.0,
    }


@pytest.mark.parametrize(
    ("data", "outcome"),
    [
        (b"", "malformed"),
        (b"P2|s1|t1|1|1|1||" + b"0" * 64, "malformed"),
        (b"P1|s1|t1|1|1|1|" + b"0" * 64, "malformed"),
        (b"P1|s1|t1|1|1|1||" + b"0" * 63, "malformed"),
    ],
)
def test_bad_shapes(data: bytes, outcome: str) -> None:
    with pytest.raises(DatagramError) as caught:
        open_envelope(data)
    assert caught.value.outcome == outcome


def test_signature_checked_before_content() -> None:
    data = encode(KEY, "s1", "t1", ts=1.0, boot=1, sequence=1)
    with pytest.raises(DatagramError) as caught:
        verify(open_envelope(data), b"wrong-key-0123456789")
    assert caught.value.outcome == "bad_signature"
    bad_statuses: list[dict[str, FieldValue]] = [{"queue": "x"}, {"colour": "red"}]
    for bad_status in bad_statuses:
        signed = encode(KEY, "s1", "t1", ts=1.0, boot=1, sequence=1, status=bad_status)
        with pytest.raises(DatagramError) as caught:
            verify(open_envelope(signed), KEY)
        assert caught.value.outcome == "malformed"
    bad_id = encode(KEY, "s1", "t 1", ts=1.0, boot=1, sequence=1)
    with pytest.raises(DatagramError):
        verify(open_envelope(bad_id), KEY)


def test_replay_window() -> None:
    window = ReplayWindow()
    assert admit(window, boot=1, sequence=10, ts=100.0)
    assert not admit(window, boot=1, sequence=10, ts=100.0)
    assert admit(window, boot=1, sequence=12, ts=101.0)
    assert admit(window, boot=1, sequence=11, ts=101.0)  # late but inside the window
    assert not admit(window, boot=1, sequence=11, ts=101.0)
    assert admit(window, boot=1, sequence=200, ts=102.0)
    assert not admit(window, boot=1, sequence=200 - 64, ts=102.0)  # fell out of the window
    assert admit(window, boot=1, sequence=200 - 63, ts=102.0)
    # A reboot (new boot id) is accepted only with a newer timestamp.
    assert not admit(window, boot=2, sequence=1, ts=102.0)
    assert admit(window, boot=2, sequence=1, ts=103.0)
    # The old boot's traffic replayed later is refused.
    assert not admit(window, boot=1, sequence=201, ts=102.5)


@pytest.mark.parametrize(
    "status",
    [
        {"last_txn": "nan"},
        {"last_txn": "inf"},
        {"last_txn": "-inf"},
        {"last_txn": "1e400"},
        {"last_txn": "-1"},
        {"last_txn": "253402300800"},  # after 9999-12-31: no datetime can show it
        {"queue": "-1"},
        {"queue": "1000001"},
        {"queue": "9" * 30},
    ],
)
def test_out_of_range_status_is_malformed(status: dict[str, FieldValue]) -> None:
    signed = encode(KEY, "s1", "t1", ts=1.0, boot=1, sequence=1, status=status)
    with pytest.raises(DatagramError) as caught:
        verify(open_envelope(signed), KEY)
    assert caught.value.outcome == "malformed"


def test_status_bounds_are_inclusive() -> None:
    signed = encode(
        KEY, "s1", "t1", ts=1.0, boot=1, sequence=1, status={"queue": 1_000_000, "last_txn": "253402300799"}
    )
    beat = verify(open_envelope(signed), KEY)
    assert beat.status == {"queue_length": 1_000_000, "last_transaction": 253_402_300_799.0}
    zero = encode(KEY, "s1", "t1", ts=1.0, boot=1, sequence=2, status={"queue": 0, "last_txn": 0})
    assert verify(open_envelope(zero), KEY).status == {"queue_length": 0, "last_transaction": 0.0}
