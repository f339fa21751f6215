"""Stage 1: evaluate probe results against rules and move alert states.

Pure and synchronous (no I/O), so it can be tested with plain values and
benchmarked on its own. Holds (``for``/``clear_for``) use the results' own
timestamps (a pushed event, an SNMP trap, skips them); when an alert fired or
resolved is the engine's clock (dependency
grace, escalation and tickets are judged on it); absence is checked on the
clock by ``check_absence``. Every change
worth acting on (fired, resolved, flapping started or stopped) is appended to
``transitions``; every alert whose row must be saved goes to ``dirty``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from alerts.flapping import FlapPolicy, is_flapping, record
from alerts.lifecycle import ENDINGS, Digests, digests_of, why_ended
from alerts.rules import CompiledRule, render_summary
from alerts.state import NON_IDENTIFYING_TAGS, Alert, fingerprint
from monitord.config.resolve import ResolvedTarget
from monitord.results import ProbeResult
from probes.base import ProbeTarget

EVIDENCE_LINES = 50


@dataclass(frozen=True, slots=True)
class Transition:
    alert: Alert
    event: str  # fired | resolved | flapping | stable
    ended: str | None = None  # why the configuration ended it (alerts.lifecycle), if it did


def priority_of(rule: CompiledRule, target: ProbeTarget) -> str:
    """Urgent when an urgent target has a critical problem, unless the rule says otherwise."""
    if rule.rule.priority is not None:
        return rule.rule.priority
    return "urgent" if target.criticality == "urgent" and rule.rule.severity == "critical" else "normal"


class Evaluator:
    """Holds every alert in memory; the service persists ``dirty`` ones after each batch."""

    def __init__(
        self,
        rules: list[CompiledRule],
        targets: Iterable[ResolvedTarget],
        policy: FlapPolicy,
        started_at: float,
        *,
        parents: Mapping[str, str] | None = None,
        present: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self.alerts: dict[str, Alert] = {}
        self.transitions: list[Transition] = []
        self.dirty: set[str] = set()
        # fingerprint -> evidence lines that arrived while the alert was already firing
        self.new_evidence: dict[str, list[str]] = {}
        self.evaluated = 0
        self.digests: Digests = {}
        self._started_at = started_at
        self._last_seen: dict[tuple[str, str], float] = {}
        self._live: set[tuple[int, str]] = set()
        self._keys: dict[tuple[int, str, tuple[tuple[str, str], ...]], tuple[str, dict[str, str]]] = {}
        # (target, kind) -> results stamped before this (ns) come from a probe that was changed
        self._stale_before: dict[tuple[str, str], int] = {}
        self._by_rule: dict[str, CompiledRule] = {}
        self._decided: float | None = None  # the engine's time of the batch being evaluated
        # In a cluster: the targets this node evaluates (absence is judged only for them).
        self.scope: Callable[[str], bool] | None = None
        self.configure(rules, targets, policy, started_at, parents=parents, present=present)

    def configure(
        self,
        rules: list[CompiledRule],
        targets: Iterable[ResolvedTarget],
        policy: FlapPolicy,
        now: float,
        *,
        parents: Mapping[str, str] | None = None,
        present: Mapping[str, frozenset[str]] | None = None,
        results_now_ns: int | None = None,
    ) -> None:
        """Swap rules and targets (config reload): alerts the new configuration still covers
        are kept; those whose rule, target or probe is gone or changed end (``alerts.lifecycle``).

        ``parents`` adds parents for alert targets that are not probe targets (a POS
        store behind its WAN router); ``present`` names what exists for such kinds.
        ``results_now_ns`` is the results' clock now: results of a changed probe
        stamped before it were measured the old way and are ignored.
        """
        old_rules = self._by_rule
        old_digests = self.digests
        self.rules = rules
        self.policy = policy
        self.targets: dict[str, ResolvedTarget] = {r.target.name: r for r in targets}
        self._extra_parents = dict(parents or {})
        self._present = dict(present or {})
        self.parents = {r.target.parent for r in self.targets.values() if r.target.parent}
        self.parents |= set(self._extra_parents.values())
        self._by_rule = {r.name: r for r in rules}
        self._rules_for: dict[tuple[str, str, str], list[CompiledRule]] = {}
        self._absent = [r for r in rules if r.rule.condition == "absent"]
        self._absent_kinds = {r.rule.kind for r in self._absent}
        self._keys.clear()
        self.digests = digests_of(self.targets.values())
        if results_now_ns is not None:
            for key, digest in old_digests.items():
                if self.digests.get(key) != digest:
                    self._stale_before[key] = results_now_ns
        # Rule indices may have moved: rebuild the "has an alert" index.
        self._live = set()
        for alert in self.alerts.values():
            rule = self._by_rule.get(alert.rule)
            if rule is not None:
                self._live.add((rule.index, alert.target))
        self._end_uncovered(old_rules, old_digests, now)

    def restore(self, alerts: Iterable[Alert], digests: Digests | None, now: float) -> None:
        """Resume saved alerts; ``digests`` are the probes of the configuration they were
        saved under (None if unknown), so what a restart removed or changed ends too."""
        for alert in alerts:
            self.alerts[alert.fingerprint] = alert
            rule = self._by_rule.get(alert.rule)
            if rule is not None:
                self._live.add((rule.index, alert.target))
        self._end_uncovered({}, digests, now)

    def adopt(self, alerts: Iterable[Alert], targets: Iterable[str], now: float) -> None:
        """Take over saved alerts of targets this node now owns (a cluster handover).

        The saved state is resumed as a restart resumes it: a firing alert whose
        receivers heard "firing" stays firing and is not paged again, and absence
        is judged from ``now`` (the new owner has not had a chance to probe yet).
        """
        self.restore(alerts, self.digests, now)
        for name in targets:
            for kind in self._absent_kinds:
                if kind is not None:
                    self._last_seen[(name, kind)] = now

    def release(self, keep: Callable[[str], bool]) -> list[Alert]:
        """Drop the alerts of targets this node no longer evaluates; they are returned
        for a last save (the new owner loads them from the state store)."""
        gone = [a for a in self.alerts.values() if not keep(a.target)]
        for alert in gone:
            del self.alerts[alert.fingerprint]
            self.dirty.discard(alert.fingerprint)
            self.new_evidence.pop(alert.fingerprint, None)
            rule = self._by_rule.get(alert.rule)
            if rule is not None:
                self._live.discard((rule.index, alert.target))
        dropped = {id(a) for a in gone}
        self.transitions = [t for t in self.transitions if id(t.alert) not in dropped]
        return gone

    def _end_uncovered(
        self, old_rules: Mapping[str, CompiledRule], old_digests: Digests | None, now: float
    ) -> None:
        for alert in self.alerts.values():
            if alert.status not in ("firing", "pending") and not alert.flapping:
                continue
            rule = self._by_rule.get(alert.rule)
            old = old_rules.get(alert.rule)
            why = why_ended(
                alert,
                None if rule is None else rule.rule,
                None if old is None else old.rule,
                self.targets,
                old_digests,
                self.digests,
                self._present,
            )
            if why is not None:
                self._end(alert, why, now)

    def _end(self, alert: Alert, why: str, now: float) -> None:
        """Resolve ``alert`` for good: every route told it fired (or flaps) hears it end."""
        was_firing = alert.status == "firing"
        if was_firing or alert.status == "pending":
            alert.status = "resolved" if alert.fired_at is not None else "inactive"
        if was_firing:
            alert.resolved_at = now
        alert.pending_since = alert.clear_since = None
        alert.flapping = False
        alert.history.clear()
        alert.reason = why
        alert.updated_at = now
        self.dirty.add(alert.fingerprint)
        if was_firing:
            self.transitions.append(Transition(alert, "resolved", ended=why))

    def target(self, name: str, site: str = "") -> ProbeTarget:
        resolved = self.targets.get(name)
        if resolved is not None:
            return resolved.target
        return ProbeTarget(name=name, address="", site=site, parent=self._extra_parents.get(name))

    def depth(self, name: str) -> int:
        """How many ancestors ``name`` has (0 for a site router without a parent)."""
        depth = 0
        current = self.target(name).parent
        while current is not None and depth < 16:
            depth += 1
            current = self.target(current).parent
        return depth

    def rule(self, name: str) -> CompiledRule | None:
        return self._by_rule.get(name)

    # -- the hot path ---------------------------------------------------------------------

    def evaluate(self, results: Iterable[ProbeResult], now: float | None = None) -> None:
        """Move alert states on ``results``. Holds run on the results' own timestamps;
        ``fired_at``/``resolved_at`` are the engine's ``now`` (the clock that dependency
        grace, escalation and tickets are judged on), or the result time without one."""
        self._decided = now
        rules_for = self._rules_for
        live = self._live
        track_seen = self._absent_kinds
        stale = self._stale_before
        count = 0
        for result in results:
            count += 1
            if stale:
                cut = stale.get((result.target, result.kind))
                if cut is not None and result.time_ns < cut:
                    continue  # measured under the old settings (a run that was under way)
            key = (result.target, result.kind, result.measurement)
            rules = rules_for.get(key)
            if rules is None:
                rules = self._applicable(result)
                rules_for[key] = rules
            if track_seen and result.kind in track_seen and not result.pushed:
                self._last_seen[(result.target, result.kind)] = result.time_ns / 1e9
            for rule in rules:
                if rule.rule.match.result_tags and not rule.applies_to(result):
                    continue
                if rule.rule.condition == "absent":
                    if (rule.index, result.target) in live and not result.pushed:
                        self._apply(
                            rule, result.target, {}, breached=False, now=result.time_ns / 1e9, result=None
                        )
                    continue
                if (rule.index, result.target) not in live and not rule.breached(result, False):
                    continue
                alert = self._alert(rule, result)
                breached = rule.breached(result, alert.status == "firing")
                if breached is None:
                    continue
                self._step(rule, alert, breached, result.time_ns / 1e9, result)
        self.evaluated += count

    def _applicable(self, result: ProbeResult) -> list[CompiledRule]:
        target = self.target(result.target, result.tags.get("site", ""))
        out = []
        for rule in self.rules:
            spec = rule.rule
            if spec.kind is not None and spec.kind != result.kind:
                continue
            if spec.measurement is not None and spec.measurement != result.measurement:
                continue
            if spec.match.covers(target):
                out.append(rule)
        return out

    def _alert(self, rule: CompiledRule, result: ProbeResult) -> Alert:
        tags = tuple(sorted(result.tags.items())) if result.tags else ()
        cache_key = (rule.index, result.target, tags)
        known = self._keys.get(cache_key)
        if known is None:
            series = {k: v for k, v in tags if k not in NON_IDENTIFYING_TAGS}
            known = (
                fingerprint(rule.name, result.target, series),
                self._labels(rule, result.target, series, result.tags.get("site", "")),
            )
            self._keys[cache_key] = known
        fp, labels = known
        alert = self.alerts.get(fp)
        if alert is None:
            alert = Alert(fingerprint=fp, rule=rule.name, target=result.target, labels=dict(labels))
            self.alerts[fp] = alert
            self._live.add((rule.index, result.target))
        return alert

    def _labels(
        self, rule: CompiledRule, target_name: str, series: Mapping[str, str], site: str
    ) -> dict[str, str]:
        target = self.target(target_name, site)
        labels = {
            **series,
            "rule": rule.name,
            "target": target_name,
            "site": target.site,
            "severity": rule.rule.severity,
            "priority": priority_of(rule, target),
        }
        if target.zone:
            labels["zone"] = target.zone
        if target.parent:
            labels["parent"] = target.parent
        if target.tags:
            labels["tags"] = ",".join(target.tags)
        return labels

    def _step(
        self, rule: CompiledRule, alert: Alert, breached: bool, now: float, result: ProbeResult | None
    ) -> None:
        spec = rule.rule
        before = alert.status
        stamp = now if self._decided is None else self._decided
        # A pushed event (an SNMP trap) is the device saying what happened: no hold.
        pushed = result is not None and result.pushed
        hold = 0.0 if pushed else spec.hold
        clear_for = 0.0 if pushed else spec.clear_for
        if result is not None:
            alert.value = rule.value_of(result)
            if result.evidence and breached:
                alert.evidence = [*alert.evidence, *result.evidence][-EVIDENCE_LINES:]
                if alert.status == "firing":
                    lines = self.new_evidence.setdefault(alert.fingerprint, [])
                    lines.extend(result.evidence)
                    del lines[:-EVIDENCE_LINES]
            if breached:
                alert.reason = result.reason
        if self.policy.enabled:
            record(alert.history, breached, self.policy)
            flapping = is_flapping(alert.history, alert.flapping, self.policy)
            if flapping != alert.flapping:
                alert.flapping = flapping
                self.transitions.append(Transition(alert, "flapping" if flapping else "stable"))
                self.dirty.add(alert.fingerprint)
        if alert.status in ("inactive", "resolved") and breached:
            alert.status = "pending"
            alert.pending_since = now
        if alert.status == "pending":
            if not breached:
                alert.status = "inactive" if alert.fired_at is None else "resolved"
                alert.pending_since = None
            elif now - (now if alert.pending_since is None else alert.pending_since) >= hold:
                alert.status = "firing"
                alert.fired_at = stamp
                alert.resolved_at = None
                alert.clear_since = None
                alert.summary = self._summary(rule, alert, result)
                self.transitions.append(Transition(alert, "fired"))
        elif alert.status == "firing":
            if breached:
                alert.clear_since = None
            else:
                if alert.clear_since is None:
                    alert.clear_since = now
                if now - alert.clear_since >= clear_for:
                    alert.status = "resolved"
                    alert.resolved_at = stamp
                    alert.pending_since = None
                    self.transitions.append(Transition(alert, "resolved"))
        if alert.status != before:
            alert.updated_at = stamp
            self.dirty.add(alert.fingerprint)

    def _apply(
        self,
        rule: CompiledRule,
        target: str,
        tags: Mapping[str, str],
        *,
        breached: bool,
        now: float,
        result: ProbeResult | None,
    ) -> None:
        fp = fingerprint(rule.name, target, tags)
        alert = self.alerts.get(fp)
        if alert is None:
            if not breached:
                return
            site = self.target(target).site
            alert = Alert(
                fingerprint=fp, rule=rule.name, target=target, labels=self._labels(rule, target, tags, site)
            )
            self.alerts[fp] = alert
            self._live.add((rule.index, target))
        self._step(rule, alert, breached, now, result)

    def _summary(self, rule: CompiledRule, alert: Alert, result: ProbeResult | None) -> str:
        variables: dict[str, object] = {
            **alert.labels,
            "value": alert.value if alert.value is not None else "?",
            "reason": alert.reason or "",
        }
        if result is not None:
            variables.update(result.fields)
            variables.update(result.tags)
            variables["target"] = result.target
        return render_summary(rule.rule.summary, variables)

    # -- the clock ------------------------------------------------------------------------

    def check_absence(self, now: float) -> None:
        """Absent rules: no result of the rule's kind for ``intervals`` probe intervals."""
        self._decided = now
        scope = self.scope
        for rule in self._absent:
            kind = rule.rule.kind or ""
            for name, resolved in self.targets.items():
                if scope is not None and not scope(name):
                    continue
                settings = resolved.probes.get(kind)
                if settings is None or not rule.rule.match.covers(resolved.target):
                    continue
                last = self._last_seen.get((name, kind), self._started_at)
                if now - last > rule.rule.intervals * settings.interval:
                    self._apply(rule, name, {}, breached=True, now=now, result=None)

    def take(self) -> tuple[list[Transition], set[str]]:
        """This round's transitions and alerts to save, for the record stage."""
        transitions, dirty = self.transitions, self.dirty
        self.transitions, self.dirty = [], set()
        return transitions, dirty

    def take_evidence(self) -> dict[str, list[str]]:
        """Evidence lines that arrived for already-firing alerts since the last take."""
        evidence, self.new_evidence = self.new_evidence, {}
        return evidence

    def put_back(
        self, transitions: list[Transition], dirty: set[str], evidence: Mapping[str, list[str]]
    ) -> None:
        """Recording what ``take`` handed out failed: keep it, ahead of anything newer,
        so the next round records it again and nothing is lost."""
        self.transitions[:0] = transitions
        self.dirty |= dirty
        for fp, lines in evidence.items():
            self.new_evidence.setdefault(fp, [])[:0] = lines

    def forget_quiet(self, keep: set[str]) -> list[str]:
        """Drop alerts nobody needs any more: inactive ones never notified and without a
        ticket, and those the configuration ended once every route heard the end."""
        gone = [
            fp
            for fp, a in self.alerts.items()
            if fp not in keep
            and not a.flapping
            and (
                (a.status == "inactive" and not a.notified and a.ticket_id is None and not any(a.history))
                or (
                    a.reason in ENDINGS
                    and a.status in ("inactive", "resolved")
                    and not any(v in ("firing", "flapping") for k, v in a.notified.items() if ":" not in k)
                )
            )
        ]
        for fp in gone:
            alert = self.alerts.pop(fp)
            rule = self._by_rule.get(alert.rule)
            if rule is not None:
                self._live.discard((rule.index, alert.target))
        return gone
