"""Matching rules against blocks of log lines, in time linear in the block.

Rule patterns are written by users, so they run on RE2 (``monitord.patterns``):
Python's backtracking ``re`` let one pattern such as ``(a+)+$`` against a long
line hold a worker thread, or the event loop for a small block, for minutes.
Each rule's pattern runs over a whole block (the scan happens in RE2's C++
loop, not a Python loop per line); Python code runs only per matching line,
which it counts once per rule and hands to the evidence collector. A match
counts for the line it starts on, and ``^``/``$`` anchor at line ends
(multi-line mode).

The block is encoded to UTF-8 once and searched as bytes: RE2's Python wrapper
re-encodes a ``str`` on every search call, which would make a loop of searches
over one block quadratic. RE2 finds literal prefixes and alternations of
literals by itself, so the fast paths that ``re`` needed (a lower-cased copy
for ignore-case rules, a hand-checked leading ``\\b``, a ``str.find``
prefilter) are gone; ``benchmarks/ssh_patterns.py`` measures the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from monitord.logrules.evidence import Evidence
from monitord.logrules.rules import LogRule
from monitord.patterns import Pattern, compile_pattern, start_finder


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule ready to scan: its pattern compiled by RE2, multi-line, for UTF-8 bytes."""

    rule: LogRule
    regex: Pattern
    find: Callable[[bytes, int], int]  # start of the first match at or after a position, or -1


def compile_rules(rules: Iterable[LogRule]) -> tuple[CompiledRule, ...]:
    """Compile every rule (``LogRule`` has already checked that RE2 accepts each pattern)."""
    compiled = []
    for rule in rules:
        regex = compile_pattern(rule.pattern, ignore_case=rule.ignore_case, multiline=True)
        compiled.append(CompiledRule(rule, regex, start_finder(regex)))
    return tuple(compiled)


def scan(
    text: str, path: str, rules: Sequence[CompiledRule], counts: dict[str, int], evidence: Evidence | None
) -> None:
    """Add to ``counts[rule]`` the number of lines of ``text`` each rule matches."""
    if any(compiled.rule.applies_to(path) for compiled in rules):
        scan_bytes(text.encode("utf-8", "surrogateescape"), path, rules, counts, evidence)


def scan_bytes(
    data: bytes, path: str, rules: Sequence[CompiledRule], counts: dict[str, int], evidence: Evidence | None
) -> None:
    """``scan`` of a block that is already UTF-8 bytes, lines separated by ``\\n``."""
    for compiled in rules:
        if not compiled.rule.applies_to(path):
            continue
        counts[compiled.rule.name] = counts.get(compiled.rule.name, 0) + _scan_rule(
            data, path, compiled, evidence
        )


def _scan_rule(data: bytes, path: str, compiled: CompiledRule, evidence: Evidence | None) -> int:
    matched = 0
    for start, end in matching_lines(data, compiled):
        matched += 1
        if evidence is not None:
            evidence.add(compiled.rule, path, data[start:end].decode("utf-8", "replace"))
    return matched


def matching_lines(data: bytes, compiled: CompiledRule) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each line of ``data`` the rule matches, once per line, in order.

    The one scan loop: ``scan_bytes`` counts what it yields, and the syslog receiver, which
    scans one block holding the messages of many senders, maps each line back to its sender.
    """
    first = compiled.find
    find = data.find
    size = len(data)
    position = 0
    while position <= size and (begin := first(data, position)) >= 0:
        if begin == size and size and data[-1] == 0x0A:
            break  # an empty match after the last newline is not on a line
        end = find(b"\n", begin)
        if end < 0:
            end = size
        yield data.rfind(b"\n", 0, begin) + 1, end
        position = end + 1
