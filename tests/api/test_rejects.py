"""The reject log's budget (injected clock) and the parser-error descriptions (pure logic)."""

from __future__ import annotations

import logging

import pytest
from aiohttp import http_exceptions as hx

from monitord.api.rejects import RejectLog, describe

SECRET = "test-admin-token-0123456789"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_flood_costs_the_burst_and_the_next_line_counts_what_was_dropped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="test.rejects")
    clock = Clock()
    rejects = RejectLog(logging.getLogger("test.rejects"), burst=3, period=30.0, clock=clock)
    written = [rejects.note(logging.INFO, "rejected %d", i) for i in range(100)]
    assert written.count(True) == 3 and rejects.suppressed == 97
    clock.now = 10.0  # one line's worth of budget back (3 per 30 s)
    assert rejects.note(logging.INFO, "rejected %d", 100)
    assert [r.getMessage() for r in caplog.records] == [
        "rejected 0",
        "rejected 1",
        "rejected 2",
        "rejected 100 (97 similar lines suppressed)",
    ]


def test_a_disabled_level_costs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="test.rejects.quiet")
    rejects = RejectLog(logging.getLogger("test.rejects.quiet"), burst=1, clock=Clock())
    assert not rejects.note(logging.DEBUG, "hidden")
    assert rejects.note(logging.INFO, "shown") and rejects.suppressed == 0


@pytest.mark.parametrize(
    ("exc", "status", "field"),
    [
        (hx.LineTooLong(b"/" + b"a" * 99 + b"...", 8190), 414, "url"),
        (hx.LineTooLong(SECRET.encode() + b"...", 8190), 431, "headers"),
        (hx.InvalidHeader(f"Bearer {SECRET}".encode()), 400, "headers"),
        (
            hx.BadHttpMessage(f"Invalid header value char:\n\n  b'Authorization: Bearer {SECRET}\\x01'\n  ^"),
            400,
            "headers",
        ),
        (hx.BadHttpMessage(f"{SECRET}: nonsense"), 400, "headers"),
        (hx.BadStatusLine(f"GET /{SECRET} HTTP/9"), 400, "request line"),
        (hx.BadHttpMethod(f"{SECRET} / HTTP/1.1"), 400, "request line"),
        (hx.InvalidURLError(f"Invalid char in url:\n\n  b'/{SECRET}\\x01'"), 400, "url"),
        (hx.TransferEncodingError(f"chunk {SECRET}"), 400, "body"),
        (None, 400, "request"),
    ],
)
def test_descriptions_never_quote_the_request(exc: BaseException | None, status: int, field: str) -> None:
    rejection = describe(exc)
    assert (rejection.status, rejection.field) == (status, field)
    assert SECRET not in rejection.message and SECRET[:10] not in rejection.message
    assert rejection.message and "\n" not in rejection.message
