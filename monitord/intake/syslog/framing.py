"""Messages out of a TCP or TLS byte stream (RFC 6587; RFC 5425 is its octet-counting half).

Two framings exist and senders do not announce theirs, so each frame is recognised by
its first byte, as rsyslog does: a digit 1-9 starts octet counting (``LEN SP MSG``),
anything else is a message ended by LF (non-transparent framing; its first byte is
normally the ``<`` of PRI, and a message without one is handed on to be refused by
the parser). Stray LF, CR, NUL and spaces between frames are skipped.

What cannot be read is counted, never guessed at:

* a frame longer than ``max_bytes`` is ``oversize``: an octet-counted one is skipped by
  its length, an LF-terminated one up to its LF, and the stream goes on;
* a length that is not digits followed by a space within 10 bytes is
  ``bad_octet_count``: nothing after it can be trusted to start a frame, so the
  connection is closed (``feed`` returns False).
"""

from __future__ import annotations

from monitord.intake.syslog.messages import BAD_OCTET_COUNT, OVERSIZE

MAX_LENGTH_DIGITS = 10
_SEPARATORS = frozenset(b"\n\r\x00 ")


class FrameDecoder:
    """One connection's framing state: feed it bytes as they arrive."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._buffer = bytearray()
        self._skip = 0  # bytes of an oversize octet-counted frame still to discard
        self._discarding = False  # inside an oversize LF-terminated frame

    @property
    def pending(self) -> int:
        """Bytes held for an incomplete frame."""
        return len(self._buffer)

    def feed(self, data: bytes, out: list[bytes], refused: list[str]) -> bool:
        """Append each complete message to ``out`` and each refusal reason to ``refused``;
        False when the stream lost its framing and must be closed."""
        buffer = self._buffer
        buffer += data
        size = len(buffer)
        position = 0
        if self._skip:
            position = min(self._skip, size)
            self._skip -= position
        limit = self.max_bytes
        ok = True
        while position < size:
            first = buffer[position]
            if self._discarding:
                newline = buffer.find(b"\n", position)
                if newline < 0:
                    position = size
                    break
                position = newline + 1
                self._discarding = False
            elif 0x31 <= first <= 0x39:  # octet counting
                space = buffer.find(b" ", position, position + MAX_LENGTH_DIGITS + 1)
                if space < 0:
                    if size - position > MAX_LENGTH_DIGITS:
                        refused.append(BAD_OCTET_COUNT)
                        ok = False
                        position = size
                    break
                digits = buffer[position:space]
                if not digits.isdigit():
                    refused.append(BAD_OCTET_COUNT)
                    ok = False
                    position = size
                    break
                length = int(digits)
                begin = space + 1
                if length > limit:
                    refused.append(OVERSIZE)
                    available = size - begin
                    if available >= length:
                        position = begin + length
                        continue
                    self._skip = length - available
                    position = size
                    break
                if size - begin < length:
                    break  # the rest of the frame is still on its way
                out.append(bytes(buffer[begin : begin + length]))
                position = begin + length
            elif first in _SEPARATORS:
                position += 1
            else:  # LF-terminated
                newline = buffer.find(b"\n", position)
                if newline < 0:
                    if size - position > limit:
                        refused.append(OVERSIZE)
                        self._discarding = True
                        position = size
                    break
                if newline - position > limit:
                    refused.append(OVERSIZE)
                else:
                    out.append(bytes(buffer[position:newline]))
                position = newline + 1
        del buffer[:position]
        return ok
