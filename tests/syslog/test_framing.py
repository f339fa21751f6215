"""RFC 6587 framing: octet counting and LF-terminated frames in one stream, cut anywhere."""

from __future__ import annotations

import pytest

from monitord.intake.syslog.framing import FrameDecoder
from monitord.intake.syslog.messages import BAD_OCTET_COUNT, OVERSIZE

STREAM = b"12 <13>1 - h a1<14>plain line\n\n7 <15>x y\x00<13>last\r\n"
MESSAGES = [b"<13>1 - h a1", b"<14>plain line", b"<15>x y", b"<13>last\r"]


def feed_all(decoder: FrameDecoder, chunks: list[bytes]) -> tuple[list[bytes], list[str], bool]:
    out: list[bytes] = []
    refused: list[str] = []
    for chunk in chunks:
        if not decoder.feed(chunk, out, refused):
            return out, refused, False  # the receiver closes the connection here
    return out, refused, True


def test_mixed_framings_in_one_stream() -> None:
    assert feed_all(FrameDecoder(100), [STREAM]) == (MESSAGES, [], True)


@pytest.mark.parametrize("step", [1, 2, 3, 5, 11])
def test_any_cut_gives_the_same_messages(step: int) -> None:
    decoder = FrameDecoder(100)
    chunks = [STREAM[i : i + step] for i in range(0, len(STREAM), step)]
    assert feed_all(decoder, chunks) == (MESSAGES, [], True)
    assert decoder.pending == 0


def test_an_incomplete_frame_waits() -> None:
    decoder = FrameDecoder(100)
    out, refused, ok = feed_all(decoder, [b"20 <13>only part"])
    assert (out, refused, ok) == ([], [], True)
    assert decoder.pending == len(b"20 <13>only part")


def test_oversize_frames_are_skipped_and_the_stream_goes_on() -> None:
    decoder = FrameDecoder(10)
    big = b"30 <13>" + b"x" * 26
    line = b"<13>" + b"y" * 20 + b"\n"
    out, refused, ok = feed_all(decoder, [big[:10], big[10:], line[:8], line[8:], b"5 <13>z"])
    assert (out, refused, ok) == ([b"<13>z"], [OVERSIZE, OVERSIZE], True)


@pytest.mark.parametrize("stream", [b"12a <13>x", b"12345678901234 <13>x", b"9" * 11])
def test_a_bad_octet_count_ends_the_stream(stream: bytes) -> None:
    out, refused, ok = feed_all(FrameDecoder(100), [b"5 <13>a", stream, b"5 <13>b"])
    assert out == [b"<13>a"]
    assert refused[0] == BAD_OCTET_COUNT
    assert not ok
