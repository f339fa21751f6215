"""The durable spool on a real filesystem: order, acknowledgement, recovery, the size bound."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitord.sinks.influx.spool import Spool


def body(index: int, size: int = 100) -> bytes:
    return f"m,target=t{index} seq={index}i ".encode().ljust(size, b"x")


def drain(spool: Spool) -> list[bytes]:
    delivered: list[bytes] = []
    while (batch := spool.peek(max_points=3, max_bytes=10_000)) is not None:
        delivered.extend(batch.bodies)
        spool.ack(batch)
    return delivered


def test_records_come_back_in_order_and_acked_segments_go_away(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=10 * 1024 * 1024, segment_bytes=1000)
    spool.open()
    for index in range(30):
        spool.append(body(index), 2)
    assert spool.points == 60
    assert len(list(tmp_path.glob("*.seg"))) > 2
    batch = spool.peek(max_points=4, max_bytes=10_000)
    assert batch is not None and batch.points == 4 and batch.bodies == (body(0), body(1))
    assert spool.peek(max_points=4, max_bytes=10_000) == batch  # peeking does not consume
    spool.ack(batch)
    assert spool.points == 56
    assert drain(spool) == [body(index) for index in range(2, 30)]
    assert spool.points == 0 and spool.size_bytes == 0
    assert list(tmp_path.glob("*.seg")) == []
    spool.append(body(99), 1)  # appending after a full drain starts a fresh segment
    assert drain(spool) == [body(99)]
    spool.close()


def test_reopening_resumes_after_the_last_acknowledged_record(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=10 * 1024 * 1024, segment_bytes=1000)
    spool.open()
    for index in range(20):
        spool.append(body(index), 1)
    for _ in range(3):
        batch = spool.peek(max_points=2, max_bytes=10_000)
        assert batch is not None
        spool.ack(batch)
    # No close(): the process dies here (the cursor file is replaced on every ack).
    again = Spool(tmp_path, max_bytes=10 * 1024 * 1024, segment_bytes=1000)
    again.open()
    assert again.points == 14
    assert drain(again) == [body(index) for index in range(6, 20)]


def test_a_torn_tail_is_cut_and_appending_continues(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=10 * 1024 * 1024)
    spool.open()
    spool.append(body(1), 1)
    spool.append(body(2), 1)
    segment = sorted(tmp_path.glob("*.seg"))[-1]
    whole = segment.stat().st_size
    with segment.open("ab") as handle:  # a crash in the middle of the third write
        handle.write(b"MDS1\x50\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00partial")
    again = Spool(tmp_path, max_bytes=10 * 1024 * 1024)
    again.open()
    assert segment.stat().st_size == whole
    assert again.points == 2
    again.append(body(3), 1)
    assert drain(again) == [body(1), body(2), body(3)]


def test_a_corrupt_record_is_skipped_and_counted(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=10 * 1024 * 1024, segment_bytes=250)
    spool.open()
    for index in range(4):
        spool.append(body(index), 5)
    first = sorted(tmp_path.glob("*.seg"))[0]
    data = bytearray(first.read_bytes())
    data[20] ^= 0xFF  # flip a byte of the first record's body
    first.write_bytes(bytes(data))
    delivered = drain(spool)
    assert body(0) not in delivered
    assert delivered[-1] == body(3)
    assert spool.counters.corrupt_points >= 5


def test_the_size_bound_drops_the_oldest_segments_and_counts_their_points(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=2000, segment_bytes=500)
    spool.open()
    for index in range(50):
        spool.append(body(index), 3)
    assert spool.size_bytes <= 2000 + 500
    kept = drain(spool)
    assert kept == [body(index) for index in range(50 - len(kept), 50)]  # the newest survive, in order
    assert spool.counters.dropped_points == 3 * (50 - len(kept))
    assert len(kept) < 50


def test_an_ack_for_a_segment_dropped_meanwhile_is_ignored(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=1200, segment_bytes=300)
    spool.open()
    spool.append(body(0), 1)
    batch = spool.peek(max_points=10, max_bytes=10_000)
    assert batch is not None
    for index in range(1, 30):
        spool.append(body(index), 1)
    spool.ack(batch)  # its segment is gone: nothing newer may be skipped
    assert drain(spool)[-1] == body(29)
    assert spool.counters.dropped_points > 0


def test_a_cursor_between_records_resumes_at_the_record_before_it(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_bytes=10 * 1024 * 1024)
    spool.open()
    for index in range(3):
        spool.append(body(index), 1)
    spool.close()
    segment = sorted(tmp_path.glob("*.seg"))[0]
    (tmp_path / "cursor").write_text(f"{int(segment.stem)} 130\n")  # inside the second record
    again = Spool(tmp_path, max_bytes=10 * 1024 * 1024)
    again.open()
    assert again.points == 2
    assert drain(again) == [body(1), body(2)]  # resent rather than lost


async def test_an_unusable_state_dir_is_a_startup_error(tmp_path: Path) -> None:
    from monitord.errors import StartupError
    from tests.influx.feed import influx_config, make_sink

    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    sink, _ = make_sink(influx_config("http://127.0.0.1:9"), blocker)
    with pytest.raises(StartupError, match=r"storage\.influxdb: cannot open the spool"):
        await sink.start()
