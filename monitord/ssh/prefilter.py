"""Required literals of a pattern: text that every match must start with.

Python's ``re`` has no multi-literal search, so a rule like
``Out of memory|oom-kill`` is tried at every position of a block (about
100 MB/s), while ``str.find`` scans for a literal at several GB/s. When every
branch of a pattern begins with a literal of at least ``MIN_LITERAL``
characters, the scan finds the lines holding one of those literals with
``str.find`` and runs the regex on those lines only. Patterns this module
cannot reason about (case-insensitive flags, classes or repeats before the
first literal, short literals) get ``None`` and are scanned in full.

It reads the pattern with ``re``'s own parser (``re._parser``), so the
literals are exactly what ``re`` will match; if that private module ever
changes shape, ``required_literals`` returns ``None`` and only speed is lost.
"""

from __future__ import annotations

import re
from typing import Any

try:
    from re import _constants as _sre  # type: ignore[attr-defined]
    from re import _parser as _parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - a Python without them: no prefilter
    _sre = _parse = None

MIN_LITERAL = 3


def required_literals(pattern: str) -> tuple[str, ...] | None:
    """Literals one of which starts every match of ``pattern``, or None if unknown."""
    if _parse is None:
        return None
    try:
        tree = _parse.parse(pattern)
        if tree.state.flags & re.IGNORECASE:
            return None
        found = _prefixes(list(tree))
    except Exception:
        return None
    if not found or any(len(literal) < MIN_LITERAL for literal in found):
        return None
    return tuple(sorted(set(found)))


def _prefixes(items: list[tuple[Any, Any]]) -> list[str] | None:
    prefix: list[str] = []
    for op, value in items:
        if op is _sre.LITERAL:
            prefix.append(chr(value))
            continue
        if prefix:
            break
        if op is _sre.AT:  # zero-width (^, \b) before the first literal
            continue
        if op is _sre.SUBPATTERN:
            _group, add_flags, del_flags, inner = value
            return None if add_flags or del_flags else _prefixes(list(inner))
        if op is _sre.BRANCH:
            found: list[str] = []
            for branch in value[1]:
                literals = _prefixes(list(branch))
                if not literals:
                    return None
                found += literals
            return found
        return None
    return ["".join(prefix)] if prefix else None


def candidate_lines(text: str, literals: tuple[str, ...]) -> list[int]:
    """Start offsets of the lines of ``text`` that contain one of ``literals``, in order."""
    starts: set[int] = set()
    find = text.find
    for literal in literals:
        index = find(literal)
        while index >= 0:
            starts.add(text.rfind("\n", 0, index) + 1)
            end = find("\n", index + len(literal))
            if end < 0:
                break
            index = find(literal, end + 1)
    return sorted(starts)
