"""The parser on the RFCs' own examples, on what real senders send, and on every way a
message can be broken (each refusal reason is a metric label, so each is checked by name)."""

from __future__ import annotations

import pytest

from monitord.intake.syslog.messages import (
    BAD_HEADER,
    BAD_PRI,
    INVALID_UTF8,
    REASONS,
    SELECTORS,
    TRUNCATED,
    parse,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # RFC 5424 section 6.5, examples 1-4.
        (
            b"<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - "
            b"\xef\xbb\xbf'su root' failed for lonvick on /dev/pts/8",
            (34, b"mymachine.example.com", b"su: 'su root' failed for lonvick on /dev/pts/8"),
        ),
        (
            b"<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - "
            b"%% It's time to make the do-nuts.",
            (165, b"192.0.2.1", b"myproc[8710]: %% It's time to make the do-nuts."),
        ),
        (
            b"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 "
            b'iut="3" eventSource="Application" eventID="1011"] '
            b"\xef\xbb\xbfAn application event log entry...",
            (165, b"mymachine.example.com", b"evntslog: An application event log entry..."),
        ),
        (
            b"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 "
            b'iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]',
            (165, b"mymachine.example.com", b"evntslog: "),
        ),
        # Escaped quote and bracket inside a parameter value, NILVALUE host and app.
        (
            b'<13>1 - - - - - [a@1 x="say \\"hi\\" ]\\]"] text',
            (13, None, b"text"),
        ),
        # RFC 3164 section 5.4 examples.
        (
            b"<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
            (34, b"mymachine", b"su: 'su root' failed for lonvick on /dev/pts/8"),
        ),
        (
            b"<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!",
            (13, b"10.0.0.99", b"Use the BFG!"),
        ),
        # What logger --rfc3164 and rsyslog's forwarding format send; fractions of a second.
        (
            b"<12>Dec  1 08:00:00 erp-db kernel: Out of memory: Killed process 42\n",
            (12, b"erp-db", b"kernel: Out of memory: Killed process 42"),
        ),
        (b"<12>Dec  1 08:00:00.123 sw1 x: y", (12, b"sw1", b"x: y")),
        # No RFC 3164 timestamp (Cisco's sequence number): everything after PRI is the line.
        (
            b"<189>123: *Mar  1 00:00:00.000: %LINK-3-UPDOWN: Interface Gi0/1, changed state to down",
            (
                189,
                None,
                b"123: *Mar  1 00:00:00.000: %LINK-3-UPDOWN: Interface Gi0/1, changed state to down",
            ),
        ),
        # A newline inside a message becomes a space: one message, one line for the rules.
        (b"<14>1 - h app 1 - - first\nsecond\r\n", (14, b"h", b"app[1]: first second")),
        (b"<0>x", (0, None, b"x")),
        (b"<191>x", (191, None, b"x")),
        ("<14>1 - h app - - - Grüße aus Köln".encode(), (14, b"h", "app: Grüße aus Köln".encode())),
    ],
)
def test_well_formed_messages(raw: bytes, expected: tuple[int, bytes | None, bytes]) -> None:
    assert parse(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", TRUNCATED),
        (b"<", TRUNCATED),
        (b"<13", TRUNCATED),
        (b"<13>", TRUNCATED),
        (b"<13>1 2003-10-11T22:14:15.003Z host app", TRUNCATED),
        (b"<13>1 2003-10-11T22:14:15.003Z host app 1 ID", TRUNCATED),
        (b"<13>Oct 11 22:14:15 host", TRUNCATED),
        (b"<13>Oct 11 22:14:15", TRUNCATED),
        (b"13>x", BAD_PRI),
        (b"hello world", BAD_PRI),
        (b"<>x", BAD_PRI),
        (b"<a>x", BAD_PRI),
        (b"<1a>x", BAD_PRI),
        (b"<192>x", BAD_PRI),
        (b"<999>x", BAD_PRI),
        (b"<013>x", BAD_PRI),
        (b"<1234>x", BAD_PRI),
        (b"<-1>x", BAD_PRI),
        (b"<13>1 2003-10-11T22:14:15.003Z  app 1 - - x", BAD_HEADER),
        (b"<13>1 yesterday host app 1 - - x", BAD_HEADER),
        (b"<13>1 - host app 1 - [broken x", BAD_HEADER),
        (b'<13>1 - host app 1 - [id a="unterminated] x', BAD_HEADER),
        (b"<13>1 - host app 1 - nosd x", BAD_HEADER),
        (b"<13>1 - host app 1 - -x", BAD_HEADER),
        (b"<13>1 - " + b"h" * 256 + b" app 1 - - x", BAD_HEADER),
        (b"<13>1 - host " + b"a" * 49 + b" 1 - - x", BAD_HEADER),
        (b"<13>Oct 11 22:14:15  x y", BAD_HEADER),
        (b"<13>1 - host app 1 - - \xff\xfe bad", INVALID_UTF8),
        (b"<13>Oct 11 22:14:15 host su: \xc3\x28", INVALID_UTF8),
        (b"<13>caf\xe9", INVALID_UTF8),
    ],
)
def test_malformed_messages_name_their_reason(raw: bytes, reason: str) -> None:
    assert parse(raw) == reason
    assert reason in REASONS


def test_selectors_name_facility_and_level() -> None:
    assert SELECTORS[0] == "kern.emerg"
    assert SELECTORS[4 * 8 + 3] == "auth.err"
    assert SELECTORS[23 * 8 + 7] == "local7.debug"
    assert len(SELECTORS) == 192
