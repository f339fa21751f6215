"""One syslog message (RFC 5424 or RFC 3164) from raw bytes to (PRI, HOSTNAME, line).

This runs once per received message, tens of thousands of times a second, so it
works on the bytes as received: no decoding to ``str`` (RE2 matches UTF-8 bytes;
``bytes.isascii`` proves most messages valid without a copy), slicing only the
fields the receiver uses, and no per-message objects beyond the returned tuple.

What a message must be, and what is refused (the reason is a metric label):

* ``<PRI>`` first: 1-3 digits, no leading zero, at most 191 (``bad_pri``); a message
  that ends inside it or right after it is ``truncated``.
* RFC 5424 (``<PRI>1 ``): every header field present (``truncated``), each within its
  RFC length, a timestamp that looks like RFC 3339 or ``-``, structured data ``-`` or
  well-formed ``[...]`` elements (``bad_header``). A UTF-8 BOM before MSG is dropped.
* RFC 3164 (anything else after PRI): lenient, as RFC 3164 section 4.3.3 asks of a
  receiver: with a ``Mmm dd hh:mm:ss`` timestamp the next word is HOSTNAME and the rest
  the line; without one, everything after PRI is the line (Cisco's ``<189>123: *Mar 1
  ...``). A timestamp followed by nothing more is ``truncated``.
* All of it valid UTF-8 (``invalid_utf8``).

The line a rule sees is what a syslog file would show after the host name:
``app[procid]: msg`` for RFC 5424, ``tag[pid]: msg`` as sent for RFC 3164; a newline
inside a message becomes a space, so a message is always one line.
"""

from __future__ import annotations

import re
from typing import Final

TRUNCATED: Final = "truncated"
BAD_PRI: Final = "bad_pri"
BAD_HEADER: Final = "bad_header"
INVALID_UTF8: Final = "invalid_utf8"
# Set by the receivers before parsing (datagram or frame longer than max_message_bytes) and by
# the stream framing (a length that is not a number, a frame that does not start a message).
OVERSIZE: Final = "oversize"
BAD_OCTET_COUNT: Final = "bad_octet_count"
BAD_FRAME: Final = "bad_frame"
REASONS: Final = (TRUNCATED, BAD_PRI, BAD_HEADER, INVALID_UTF8, OVERSIZE, BAD_OCTET_COUNT, BAD_FRAME)

# (PRI, HOSTNAME or None, the line rules are matched against)
Parsed = tuple[int, bytes | None, bytes]

FACILITIES: Final = (
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
    "uucp", "cron", "authpriv", "ftp", "ntp", "security", "console", "solaris-cron",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
)  # fmt: skip
LEVELS: Final = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")
# "<facility>.<level>" per PRI: what a rule's ``files`` globs match for a syslog line.
SELECTORS: Final = tuple(f"{FACILITIES[pri >> 3]}.{LEVELS[pri & 7]}" for pri in range(192))

# b"<13>" -> 13 for every valid PRI (0-191, no leading zero).
_PRIS: Final = {f"<{pri}>".encode(): pri for pri in range(192)}
_MONTHS = frozenset(b"Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())
_BOM = b"\xef\xbb\xbf"
# RFC 5424 STRUCTURED-DATA: one or more [SD-ID *(SP NAME="VALUE")], '"', '\' and ']' escaped in
# values (an unescaped ']' inside quotes is tolerated, as rsyslog does). Fixed, linear: no user input.
_SD = re.compile(rb'(?:\[[^\]" =]{1,32}(?: [^\]" =]{1,32}="(?:[^"\\]|\\.)*")*\])+')
# RFC 5424 field lengths: HOSTNAME 255, APP-NAME 48, PROCID 128, MSGID 32.
_MAX_HOST, _MAX_APP, _MAX_PROCID, _MAX_MSGID = 255, 48, 128, 32


def parse(data: bytes) -> Parsed | str:
    """The message's PRI, HOSTNAME (None if absent) and line, or the reason it is refused."""
    size = len(data)
    if not size:
        return TRUNCATED
    if data[0] != 0x3C:  # '<'
        return BAD_PRI
    end = data.find(b">", 1, 5)
    if end < 0:
        return TRUNCATED if size < 5 and (size == 1 or data[1:].isdigit()) else BAD_PRI
    start = end + 1
    pri = _PRIS.get(data[:start])  # one lookup checks digits, range and leading zeros
    if pri is None:
        return BAD_PRI
    if start >= size:
        return TRUNCATED
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return INVALID_UTF8
    if data[start] == 0x31 and data[start + 1 : start + 2] == b" ":  # "1 ": RFC 5424
        found = _rfc5424(data, start + 2)
    else:
        found = _rfc3164(data, start)
    if isinstance(found, str):
        return found
    host, line = found
    if line and line[-1] in (0x0A, 0x0D, 0x00):
        line = line.rstrip(b"\r\n\x00")
    if b"\n" in line:
        line = line.replace(b"\n", b" ")
    return pri, host, line


def _rfc5424(data: bytes, start: int) -> tuple[bytes | None, bytes] | str:
    parts = data[start:].split(b" ", 5)
    if len(parts) < 6:
        return TRUNCATED
    stamp, host, app, procid, msgid, rest = parts
    if not (stamp and host and app and procid and msgid and rest):
        return BAD_HEADER  # an empty field: two spaces in a row
    if len(host) > _MAX_HOST or len(app) > _MAX_APP or len(procid) > _MAX_PROCID or len(msgid) > _MAX_MSGID:
        return BAD_HEADER
    if stamp != b"-" and (len(stamp) < 19 or stamp[4] != 0x2D or stamp[10] != 0x54):  # YYYY-MM-DDT
        return BAD_HEADER
    first = rest[0]
    if first == 0x2D:  # '-': no structured data
        after = 1
    elif first == 0x5B:  # '['
        matched = _SD.match(rest)
        if matched is None:
            return BAD_HEADER
        after = matched.end()
    else:
        return BAD_HEADER
    if after == len(rest):
        msg = b""
    elif rest[after] == 0x20:
        msg = rest[after + 1 :]
        if msg[:3] == _BOM:
            msg = msg[3:]
    else:
        return BAD_HEADER
    hostname = None if host == b"-" else host
    if app == b"-":
        return hostname, msg
    if procid == b"-":
        return hostname, b"".join((app, b": ", msg))
    return hostname, b"".join((app, b"[", procid, b"]: ", msg))


def _rfc3164(data: bytes, start: int) -> tuple[bytes | None, bytes] | str:
    # "Mmm dd hh:mm:ss" (day space-padded), optionally with fractions: "...:ss.123".
    if (
        len(data) - start >= 15
        and data[start + 3] == 0x20
        and data[start + 6] == 0x20
        and data[start + 9] == 0x3A
        and data[start + 12] == 0x3A
        and data[start : start + 3] in _MONTHS
    ):
        position = start + 15
        if data[position : position + 1] == b".":
            position = data.find(b" ", position)
            if position < 0:
                return TRUNCATED
        if position >= len(data) or data[position] != 0x20:
            return TRUNCATED if position >= len(data) else BAD_HEADER
        space = data.find(b" ", position + 1)
        if space < 0:
            return TRUNCATED  # a host name and no message
        host = data[position + 1 : space]
        if not host:
            return BAD_HEADER
        return host, data[space + 1 :]
    return None, data[start:]
