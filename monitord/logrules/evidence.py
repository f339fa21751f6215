"""Matching lines kept as a ticket's evidence: capped, repeats collapsed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from monitord.logrules.rules import SEVERITIES, LogRule, Severity

_DIGITS = re.compile(r"\d+")


@dataclass(slots=True)
class _Entry:
    severity: Severity
    rule: str
    path: str
    line: str
    count: int = 1


@dataclass(slots=True)
class Evidence:
    """Matching lines for a ticket: capped, and repeats (same text up to numbers) collapsed."""

    max_entries: int = 20
    max_line_length: int = 500
    dropped: int = 0
    _entries: dict[tuple[str, str, str], _Entry] = field(default_factory=dict)

    def add(self, rule: LogRule, path: str, line: str) -> None:
        key = (rule.name, path, _DIGITS.sub("0", line))
        entry = self._entries.get(key)
        if entry is not None:
            entry.count += 1
        elif len(self._entries) < self.max_entries:
            text = line if len(line) <= self.max_line_length else line[: self.max_line_length] + "..."
            self._entries[key] = _Entry(rule.severity, rule.name, path, text)
        else:
            self.dropped += 1

    def lines(self) -> tuple[str, ...]:
        """Most severe first, then in order of first appearance."""
        order = sorted(self._entries.values(), key=lambda e: SEVERITIES.index(e.severity))
        out = [
            f"[{e.severity} {e.rule}] {e.path}: {e.line}" + (f" (repeated {e.count}x)" if e.count > 1 else "")
            for e in order
        ]
        if self.dropped:
            out.append(f"... {self.dropped} more matching lines not shown")
        return tuple(out)
