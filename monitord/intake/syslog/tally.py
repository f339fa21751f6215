"""Messages to counts: parse, find the target, count rule matches per target and interval.

The hot path. A batch of queued messages is parsed one by one and each line is put
in a group per (target, PRI); then each group is joined into one block and scanned
by the log rules with the matcher the ``ssh_log`` probe uses
(``monitord.logrules.matching.scan_bytes``): one RE2 search over the block per rule,
not per line, so 20 rules cost 20 calls per group, not 20 per message. The group's
PRI gives the rule ``files`` globs their path, ``<facility>.<level>`` (``kern.crit``).

Every ``interval`` the service takes ``results``: one ``syslog`` result per target
heard within ``quiet_for``, with the interval's counts and the matching lines as
evidence, and the counts start again from zero.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from monitord.config.syslog import SyslogConfig
from monitord.intake.syslog.counters import SyslogCounters
from monitord.intake.syslog.limits import Item
from monitord.intake.syslog.messages import LEVELS, SELECTORS, parse
from monitord.intake.syslog.senders import SenderMap
from monitord.logrules.evidence import Evidence
from monitord.logrules.matching import CompiledRule, compile_rules, scan_bytes
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
        counters.unknown_senders = lambda: len(self.unknown_seen)
        self.configure(config, senders)

    def configure(self, config: SyslogConfig, senders: SenderMap) -> None:
        """Apply a (re)loaded configuration; targets that are gone are forgotten."""
        self.config = config
        self.senders = senders
        self.rules: tuple[CompiledRule, ...] = compile_rules(config.rules)
        # The rules whose files globs match each PRI's "<facility>.<level>", computed once.
        self.rules_for_pri = [
            tuple(r for r in self.rules if r.rule.applies_to(SELECTORS[pri])) for pri in range(192)
        ]
        self.rule_fields = tuple((f"rule_{r.rule.name}", r.rule.name, r.rule.severity) for r in self.rules)
        self.targets = {n: t for n, t in self.targets.items() if n in senders.tags or self._kept_unknown(n)}

    def _kept_unknown(self, name: str) -> bool:
        return self.config.keep_unknown and name in self.unknown_seen

    def process(self, batch: list[Item], now: float) -> None:
        """Parse and group ``batch``, then count rule matches group by group."""
        counters = self.counters
        malformed = counters.malformed
        parsed_count = counters.parsed
        target_of = self.senders.target_of
        groups: dict[str, dict[int, list[bytes]]] = {}
        for data, sender, transport in batch:
            parsed = parse(data)
            if isinstance(parsed, str):
                malformed[(transport, parsed)] += 1
                continue
            pri, host, line = parsed
            parsed_count[transport] += 1
            target = target_of(sender, host)
            if target is None:
                target = self._unknown(sender, transport)
                if target is None:
                    continue
            by_pri = groups.get(target)
            if by_pri is None:
                by_pri = groups[target] = {}
            lines = by_pri.get(pri)
            if lines is None:
                by_pri[pri] = [line]
            else:
                lines.append(line)
        for target, by_pri in groups.items():
            self._count(target, by_pri, now)

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

    def _count(self, target: str, by_pri: dict[int, list[bytes]], now: float) -> None:
        tally = self.targets.get(target)
        if tally is None:
            config = self.config
            evidence = (
                Evidence(config.max_evidence_lines, config.max_line_length)
                if config.max_evidence_lines
                else None
            )
            tally = self.targets[target] = TargetTally(self.senders.tags.get(target, {}), now, evidence)
        tally.heard = now
        levels = tally.levels
        counts = tally.counts
        evidence = tally.evidence
        for pri, lines in by_pri.items():
            count = len(lines)
            tally.messages += count
            levels[pri & 7] += count
            block = lines[0] if count == 1 else b"\n".join(lines)
            tally.bytes += len(block) - count + 1
            rules = self.rules_for_pri[pri]
            if rules:
                scan_bytes(block, SELECTORS[pri], rules, counts, evidence)

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
