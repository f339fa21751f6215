"""Absence detection: which tills are up, down or merely closed, and which stores are in trouble.

A terminal is ``up`` while its last heartbeat is at most ``missed_intervals x
interval`` old. Otherwise it is ``closed`` outside opening hours (never an alert),
``pending`` during the grace that follows opening time or daemon start, and
``down`` after that. A store is ``down`` while open if at least ``down_terminals``
of its tills are down (fewer when it has fewer tills) or its WAN router is down;
then its dark tills become ``unreachable`` and are not published one by one: the
single store result (urgent) names them in its evidence, so a store going dark
is one alert, not one per till.

Results are published on every state change and otherwise once per interval
(phase-spread), so 10,000 tills cost ~333 results/s, not 10,000/s.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping

from monitord.pos.register import Register, Store, StoreState, Terminal, TerminalState
from monitord.results import FieldValue, ProbeResult

log = logging.getLogger("monitord.pos")

MEASUREMENT = "pos"
TERMINAL_KIND = "pos_terminal"
STORE_KIND = "pos_store"
JobKey = tuple[str, str]
# Fields the POS evaluator writes ("number" or "text"; store rows have no terminal tag): the
# Grafana dashboards must show each one (tests/grafana/test_coverage.py).
WRITES: dict[str, dict[str, str]] = {
    MEASUREMENT: {
        **dict.fromkeys(
            (
                "up",
                "open",
                "terminals_up",
                "terminals_expected",
                "terminals_down",
                "terminals_closed",
                "router_up",
                "alive",
                "interval",
                "heartbeats",
                "heartbeat_age",
                "last_transaction_age",
                "queue_length",
            ),
            "number",
        ),
        **dict.fromkeys(("state", "version", "printer"), "text"),
    }
}


def _phase(name: str) -> float:
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


class AbsenceEvaluator:
    """Judges the whole register at one instant and returns the results to publish."""

    def __init__(self, started: float) -> None:
        self.started = started

    def evaluate(
        self,
        register: Register,
        now: float,
        last: Mapping[JobKey, ProbeResult] | None = None,
        kinds_of: Mapping[str, tuple[str, ...]] | None = None,
    ) -> list[ProbeResult]:
        out: list[ProbeResult] = []
        last = last or {}
        kinds_of = kinds_of or {}
        for store in register.stores.values():
            self._evaluate_store(store, now, last, kinds_of, out)
        return out

    def _evaluate_store(
        self,
        store: Store,
        now: float,
        last: Mapping[JobKey, ProbeResult],
        kinds_of: Mapping[str, tuple[str, ...]],
        out: list[ProbeResult],
    ) -> None:
        hours = store.hours_at(now)
        is_open = hours.open
        grace_from = max(self.started, hours.since)
        missed = store.missed_intervals
        raw: list[tuple[Terminal, TerminalState]] = []
        up = down = closed = pending = 0
        for terminal in store.terminals.values():
            if terminal.poll is not None:
                self._fold_poll(terminal, now, last, kinds_of)
            limit = terminal.interval * missed
            seen = terminal.last_seen
            verdict: TerminalState
            if seen is not None and now - seen <= limit:
                verdict = "up"
                up += 1
            elif not is_open:
                verdict = "closed"
                closed += 1
            elif now - grace_from <= limit:
                verdict = "pending"
                pending += 1
            else:
                verdict = "down"
                down += 1
            raw.append((terminal, verdict))
        router_reason = self._router(store, last, kinds_of)
        total = len(store.terminals)
        store_down = False
        reason: str | None = None
        if is_open and router_reason is not None:
            store_down, reason = True, router_reason
        elif is_open and down and down >= min(store.down_terminals, total):
            store_down, reason = True, f"{down} of {total} terminals down"
        dark = [t.id for t, s in raw if s == "down"]
        for terminal, judged in raw:
            state: TerminalState = "unreachable" if store_down and judged == "down" else judged
            first = terminal.since == 0.0
            changed = state != terminal.state
            if changed:
                self._log_terminal(terminal, state)
                terminal.state, terminal.since = state, now
            if state == "unreachable":
                terminal.next_report = now + terminal.interval
                continue
            if (first and state != "down") or state == "pending":
                # The first verdict after start is no news: spread it like the periodic
                # reports instead of publishing 10,000 results in one tick. "Pending" is no
                # verdict at all: reporting it as up would resolve a till that is still
                # dark across a restart, and it would fire again after the grace.
                terminal.next_report = self._next(terminal.key, terminal.interval, now, False)
                continue
            if changed or now >= terminal.next_report:
                terminal.next_report = self._next(terminal.key, terminal.interval, now, changed)
                out.append(self._terminal_result(store, terminal, now, missed))
        store_state: StoreState = "down" if store_down else ("open" if is_open else "closed")
        store.counts = {
            "up": up,
            "down": down,
            "closed": closed,
            "pending": pending,
            "expected": total if is_open else 0,
        }
        first = store.since == 0.0
        changed = store_state != store.state or (store_down and reason != store.reason)
        # Hold judgement while tills are pending or the router has not been probed since
        # start: "open" then only means "not known to be down", and saying so would
        # resolve a store that is still dark across a restart (and page again after it).
        settling = pending > 0 or (store.router_up is None and bool(kinds_of.get(store.router or "")))
        if (first or settling) and not store_down:
            store.state, store.since, store.next_report = (
                store_state,
                now,
                self._next(store.name, store.interval, now, False),
            )
            return
        if changed:
            if store_state == "down":
                log.warning("pos: store %s is down: %s", store.name, reason)
            elif store.state == "down":
                log.info("pos: store %s recovered (%s)", store.name, store_state)
            store.state, store.since, store.reason = store_state, now, reason
        if changed or now >= store.next_report:
            store.next_report = self._next(store.name, store.interval, now, changed)
            out.append(self._store_result(store, now, reason, dark))

    @staticmethod
    def _next(name: str, interval: float, now: float, changed: bool) -> float:
        # Spread the periodic reports over the interval instead of all on one tick.
        if changed:
            return now + interval
        base = now - (now % interval) + _phase(name) * interval
        return base if base > now else base + interval

    @staticmethod
    def _fold_poll(
        terminal: Terminal,
        now: float,
        last: Mapping[JobKey, ProbeResult],
        kinds_of: Mapping[str, tuple[str, ...]],
    ) -> None:
        """A successful tcp/icmp run against the terminal's target counts as a heartbeat."""
        target = terminal.poll or ""
        for kind in kinds_of.get(target, ()):
            result = last.get((target, kind))
            if result is not None and result.ok and result.time_ns > terminal.poll_seen_ns:
                terminal.poll_seen_ns = result.time_ns
                terminal.last_seen = now
                terminal.transport = "poll"
                terminal.heartbeats += 1

    @staticmethod
    def _router(
        store: Store, last: Mapping[JobKey, ProbeResult], kinds_of: Mapping[str, tuple[str, ...]]
    ) -> str | None:
        """Why the WAN router counts as down (every probe of it failing), or None."""
        router = store.router
        if router is None:
            store.router_up = None
            return None
        results = [r for k in kinds_of.get(router, ()) if (r := last.get((router, k))) is not None]
        if not results:
            store.router_up = None
            return None
        store.router_up = any(r.ok for r in results)
        if store.router_up:
            return None
        return f"WAN router {router} down: {results[0].reason or 'failed'}"

    @staticmethod
    def _log_terminal(terminal: Terminal, state: TerminalState) -> None:
        if state == "down":
            log.warning("pos: terminal %s is down (no heartbeat)", terminal.key)
        elif terminal.state == "down" and state == "up":
            log.info("pos: terminal %s is up again", terminal.key)
        else:
            log.debug("pos: terminal %s %s -> %s", terminal.key, terminal.state, state)

    @staticmethod
    def _terminal_result(store: Store, terminal: Terminal, now: float, missed: int) -> ProbeResult:
        fields: dict[str, FieldValue] = {
            # ``up`` is the verdict (0 only when missing in opening hours: a closed till is
            # not a fault); ``alive`` says whether heartbeats are arriving at all.
            "up": 0 if terminal.state == "down" else 1,
            "alive": 1 if terminal.state == "up" else 0,
            "state": terminal.state,
            "interval": terminal.interval,
            "heartbeats": terminal.heartbeats,
        }
        if terminal.last_seen is not None:
            fields["heartbeat_age"] = round(now - terminal.last_seen, 3)
        if terminal.version is not None:
            fields["version"] = terminal.version
        for key, value in terminal.reported.items():
            if key == "last_transaction" and isinstance(value, int | float):
                fields["last_transaction_age"] = round(now - value, 3)
            else:
                fields[key] = value
        reason = None
        if terminal.state == "down":
            if terminal.last_seen is None:
                reason = f"POS terminal {terminal.key}: no heartbeat since opening"
            else:
                reason = (
                    f"POS terminal {terminal.key}: no heartbeat for {now - terminal.last_seen:.0f}s "
                    f"(more than {missed} x {terminal.interval:g}s) during opening hours"
                )
        return ProbeResult(
            measurement=MEASUREMENT,
            target=terminal.key,
            kind=TERMINAL_KIND,
            time_ns=int(now * 1e9),
            ok=terminal.state != "down",
            reason=reason,
            fields=fields,
            tags={"site": store.site, "store": store.name, "terminal": terminal.id},
        )

    @staticmethod
    def _store_result(store: Store, now: float, reason: str | None, dark: list[str]) -> ProbeResult:
        counts = store.counts
        fields: dict[str, FieldValue] = {
            "up": 0 if store.state == "down" else 1,
            "state": store.state,
            "open": 1 if store.state in ("open", "down") else 0,
            "terminals_up": counts["up"],
            "terminals_expected": counts["expected"],
            "terminals_down": counts["down"],
            "terminals_closed": counts["closed"],
        }
        if store.router_up is not None:
            fields["router_up"] = 1 if store.router_up else 0
        evidence: tuple[str, ...] = ()
        if store.state == "down":
            evidence = tuple(f"terminal {store.name}/{t} has not sent a heartbeat" for t in dark)
            reason = f"store {store.name}: {reason}"
        return ProbeResult(
            measurement=MEASUREMENT,
            target=store.name,
            kind=STORE_KIND,
            time_ns=int(now * 1e9),
            ok=store.state != "down",
            reason=reason if store.state == "down" else None,
            fields=fields,
            tags={"site": store.site, "store": store.name},
            evidence=evidence,
        )
