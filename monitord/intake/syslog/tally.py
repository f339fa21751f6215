"""Messages to counts: parse, find the target, count rule matches per target and interval.

The hot path. A batch of queued messages is parsed one by one; each line goes into one
block for the whole batch, with its sender's tally and its PRI noted by line. Each log
rule then scans the block once with the matcher the ``ssh_log`` probe uses
(``monitord.logrules.matching.matching_lines``), and each matching line is counted for
its sender (found by its offset). So 20 rules cost 20 RE2 calls per batch plus one per
match, not 20 per message or per sender: measured, RE2's Python wrapper costs a few
microseconds per call, more than parsing a message. A rule's ``files`` globs match the
line's ``<facility>.<level>`` (``kern.crit``), looked up per PRI in a table.

Every ``interval`` the service takes ``results``: one ``syslog`` result per target
heard within ``quiet_for``, with the interval's counts and the matching lines as
evidence, and the counts start again from zero.
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from dataclasses import dataclass, field

from monitord.config.syslog import SyslogConfig
from monitord.intake.syslog.counters import SyslogCounters
from monitord.intake.syslog.limits import Item
from monitord.intake.syslog.messages import LEVELS, SELECTORS, parse
from monitord.intake.syslog.senders import SenderMap
from monitord.logrules.evidence import Evidence
from monitord.logrules.matching import CompiledRule, compile_rules, matching_lines
from monitord.logrules.rules import SEVERITIES
from monitord.results import FieldValue, ProbeResult

log = logging.getLogger("monitord.syslog")

KIND = "syslog"
MEASUREMENT = "syslog"
# Measurements and fields this receiver writes ("number" or "text"): the Grafana dashboards must
# show each one (tests/grafana/test_coverage.py). ``rule_*``: one per log rule, ``severity_*``:
# one per rule severity, ``level_*``: one per syslog severity of the messages (PRI & 7).
WRITES: dict[str, dict[str, str]] = {
    MEASUREMENT: dict.fromkeys(("up", "messages", "bytes", "level_*", "rule_*", "severity_*"), "number")
}
MAX_LOGGED_SENDERS = 1000
LEVEL_FIELDS = tuple(f"level_{level}" for level in LEVELS)


@dataclass(slots=True)
class TargetTally:
    """One target's counts since the last result."""

    tags: dict[str, str]
    heard: float
    evidence: Evidence | None
    messages: int = 0
    bytes: int = 0
    levels: list[int] = field(default_factory=lambda: [0] * 8)
    counts: dict[str, int] = field(default_factory=dict)


class Tally:
    """Counts of every target heard, for the current interval."""

    def __init__(self, config: SyslogConfig, counters: SyslogCounters, senders: SenderMap) -> None:
        self.counters = counters
        self.targets: dict[str, TargetTally] = {}
        self.unknown_seen: set[str] = set()
        self.malformed_from: set[str] = set()
        counters.unknown_senders = lambda: len(self.unknown_seen)
        self.configure(config, senders)

    def configure(self, config: SyslogConfig, senders: SenderMap) -> None:
        """Apply a (re)loaded configuration; targets that are gone are forgotten."""
        self.config = config
        self.senders = senders
        self.rules: tuple[CompiledRule, ...] = compile_rules(config.rules)
        # Per rule, whether its files globs match each PRI's "<facility>.<level>", computed once.
        self.rules_applying = tuple(
            (r, tuple(r.rule.applies_to(selector) for selector in SELECTORS)) for r in self.rules
        )
        self.rule_fields = tuple((f"rule_{r.rule.name}", r.rule.name, r.rule.severity) for r in self.rules)
        self.targets = {n: t for n, t in self.targets.items() if n in senders.tags or self._kept_unknown(n)}

    def _kept_unknown(self, name: str) -> bool:
        return self.config.keep_unknown and name in self.unknown_seen

    def process(self, batch: list[Item], now: float) -> None:
        """Parse ``batch`` into one block of lines, then count each rule's matches per sender."""
        counters = self.counters
        malformed = counters.malformed
        parsed_count = counters.parsed
        target_of = self.senders.target_of
        targets = self.targets
        lines: list[bytes] = []
        owners: list[TargetTally] = []
        pris: list[int] = []
        starts: list[int] = []
        offset = 0
        for data, sender, transport in batch:
            parsed = parse(data)
            if isinstance(parsed, str):
                malformed[(transport, parsed)] += 1
                if sender not in self.malformed_from and len(self.malformed_from) < MAX_LOGGED_SENDERS:
                    self.malformed_from.add(sender)  # said once per sender, counted always
                    log.info(
                        "syslog: %s sent a malformed message (%s); such messages are counted", sender, parsed
                    )
                continue
            pri, host, line = parsed
            parsed_count[transport] += 1
            target = target_of(sender, host)
            if target is None:
                target = self._unknown(sender, transport)
                if target is None:
                    continue
            tally = targets.get(target)
            if tally is None:
                tally = self._new_tally(target, now)
            tally.heard = now
            tally.messages += 1
            tally.levels[pri & 7] += 1
            size = len(line)
            tally.bytes += size
            lines.append(line)
            owners.append(tally)
            pris.append(pri)
            starts.append(offset)
            offset += size + 1
        if lines:
            self._match(b"\n".join(lines), owners, pris, starts)

    def _match(self, block: bytes, owners: list[TargetTally], pris: list[int], starts: list[int]) -> None:
        for compiled, applies in self.rules_applying:
            name = compiled.rule.name
            rule = compiled.rule
            for start, end in matching_lines(block, compiled):
                index = bisect_right(starts, start) - 1
                pri = pris[index]
                if not applies[pri]:
                    continue
                owner = owners[index]
                counts = owner.counts
                counts[name] = counts.get(name, 0) + 1
                if owner.evidence is not None:
                    owner.evidence.add(rule, SELECTORS[pri], block[start:end].decode("utf-8", "replace"))

    def _new_tally(self, target: str, now: float) -> TargetTally:
        config = self.config
        evidence = (
            Evidence(config.max_evidence_lines, config.max_line_length) if config.max_evidence_lines else None
        )
        tally = self.targets[target] = TargetTally(self.senders.tags.get(target, {}), now, evidence)
        return tally

    def _unknown(self, sender: str, transport: int) -> str | None:
        """The target name to keep an unknown sender's message under, or None to drop it."""
        counters = self.counters
        counters.unknown[transport] += 1
        config = self.config
        seen = self.unknown_seen
        if sender not in seen:
            if len(seen) >= config.max_unknown_senders:
                if config.keep_unknown:
                    counters.dropped[(transport, "unknown_limit")] += 1
                    return None
            else:
                seen.add(sender)
                log.info(
                    "syslog: messages from %s match no target; %s",
                    sender,
                    "kept under its address" if config.keep_unknown else "counted and dropped",
                )
        if not config.keep_unknown:
            counters.dropped[(transport, "unknown_sender")] += 1
            return None
        return sender

    def results(self, now: float, time_ns: int) -> list[ProbeResult]:
        """One result per target heard within ``quiet_for``; the counts start again."""
        out: list[ProbeResult] = []
        quiet_for = self.config.quiet_for
        for name in list(self.targets):
            tally = self.targets[name]
            if not tally.messages and now - tally.heard > quiet_for:
                del self.targets[name]
                continue
            out.append(
                ProbeResult(
                    measurement=MEASUREMENT,
                    target=name,
                    kind=KIND,
                    time_ns=time_ns,
                    ok=True,
                    fields=self._fields(tally),
                    tags=tally.tags,
                    evidence=tally.evidence.lines() if tally.evidence is not None else (),
                )
            )
            tally.messages = tally.bytes = 0
            tally.levels = [0] * 8
            tally.counts = {}
            if tally.evidence is not None:
                tally.evidence = Evidence(tally.evidence.max_entries, tally.evidence.max_line_length)
        return out

    def _fields(self, tally: TargetTally) -> dict[str, FieldValue]:
        fields: dict[str, FieldValue] = {"up": 1, "messages": tally.messages, "bytes": tally.bytes}
        for name, value in zip(LEVEL_FIELDS, tally.levels, strict=True):
            fields[name] = value
        by_severity = dict.fromkeys(SEVERITIES, 0)
        counts = tally.counts
        for field_name, rule, severity in self.rule_fields:
            matched = counts.get(rule, 0)
            fields[field_name] = matched
            by_severity[severity] += matched
        for severity, matched in by_severity.items():
            fields[f"severity_{severity}"] = matched
        return fields
