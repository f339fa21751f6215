"""Regular expressions that users write (silence matchers, SSH log rules), compiled with RE2.

Python's ``re`` backtracks: ``(.*){13}X`` against a 40-character label takes
seconds, and because matching runs on the event loop, one such pattern in a
silence stalled every probe and opened a false ticket. RE2 (the engine
Alertmanager and Prometheus use) matches in time linear in the text whatever
the pattern, at the price of a smaller language: no backreferences and no
lookaround. A pattern using them is refused where it is written, with a message
that says RE2 syntax is used; ``docs/patterns.md`` lists the differences.

Only user-supplied patterns come through here; the daemon's own fixed patterns
stay on ``re``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, cast

import re2  # type: ignore[import-untyped]

MAX_PATTERN_LENGTH = 4096
SYNTAX_HINT = "patterns use RE2 syntax: no backreferences or lookaround, see docs/patterns.md"


class PatternError(ValueError):
    """A pattern RE2 refuses; the message says why and which syntax applies."""


class Match(Protocol):
    def start(self, group: int = 0) -> int: ...

    def end(self, group: int = 0) -> int: ...


class Pattern(Protocol):
    """The part of RE2's compiled pattern monitord uses (``re.Pattern``'s names)."""

    def search(self, text: bytes, pos: int = ..., endpos: int = ...) -> Match | None: ...

    def fullmatch(self, text: bytes, pos: int = ..., endpos: int = ...) -> Match | None: ...


def compile_pattern(pattern: str, *, ignore_case: bool = False, multiline: bool = False) -> Pattern:
    """``pattern`` compiled by RE2 for matching UTF-8 ``bytes``; PatternError if RE2 refuses it.

    Matching takes bytes because RE2's Python wrapper re-encodes a ``str`` on
    every call: a loop of searches over one block would be quadratic.
    """
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(f"pattern is longer than {MAX_PATTERN_LENGTH} characters")
    try:
        encoded = pattern.encode("utf-8")
    except UnicodeEncodeError:
        raise PatternError("pattern is not valid Unicode (lone surrogate)") from None
    options = re2.Options()
    options.log_errors = False  # the error is ours to report, not RE2's to print on stderr
    options.case_sensitive = not ignore_case
    if multiline:
        encoded = b"(?m)" + encoded
    try:
        return cast(Pattern, re2.compile(encoded, options))
    except re2.error as exc:
        reason = (
            exc.args[0].decode("utf-8", "replace")
            if exc.args and isinstance(exc.args[0], bytes)
            else str(exc)
        )
        raise PatternError(f"{reason} ({SYNTAX_HINT})") from None


def start_finder(pattern: Pattern) -> Callable[[bytes, int], int]:
    """``find(data, pos)``: where the first match at or after ``pos`` starts, or -1.

    The same answer as ``pattern.search(data, pos).start()``, without the per-call Python
    work of RE2's wrapper (a generator and a match object per call): measured 4.5 us a call
    through ``search``, 1.6 us through the compiled regexp's ``Match``. A log rule calls it
    once per matching line, so that is most of a syslog message's matching cost. If a
    future wrapper lacks the internals, this falls back to ``search``.
    """
    regexp = getattr(pattern, "_regexp", None)
    anchor = getattr(getattr(re2, "_Anchor", None), "UNANCHORED", None)
    match = getattr(regexp, "Match", None)
    if match is None or anchor is None:

        def through_search(data: bytes, pos: int) -> int:
            found = pattern.search(data, pos)
            return -1 if found is None else found.start()

        return through_search

    def direct(data: bytes, pos: int) -> int:
        return int(match(anchor, data, pos, len(data))[0][0])

    return direct
