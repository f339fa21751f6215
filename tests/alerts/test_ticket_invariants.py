"""Ticket invariants (issue 12 findings 3, 4 and 8) in the real state store, SQLite and PostgreSQL:
a blank root cause is refused, a ticket whose alert still fires cannot be resolved or closed
without force and a note (kept after a restart), and repeated evidence is counted, not appended."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from alerts.alert_repo import AlertRepo
from alerts.evaluator import Evaluator
from alerts.flapping import FlapPolicy
from alerts.pipeline import Pipeline
from alerts.rules import AlertRule, compile_rules
from alerts.silences import SilenceBook
from alerts.state import Alert, fingerprint
from alerts.tickets import TicketRepo
from monitord.config.loader import build_config
from monitord.errors import ConflictError, RequestError
from monitord.results import ProbeResult
from monitord.store.engine import StateStore


def _alert(target: str, rule: str = "tcp-service-down") -> Alert:
    return Alert(
        fingerprint=fingerprint(rule, target, {}),
        rule=rule,
        target=target,
        labels={"site": "head-office", "severity": "critical", "rule": rule, "target": target},
        status="firing",
        fired_at=time.time(),
        summary=f"{target} is down",
    )


async def _open(store: StateStore, repo: TicketRepo, alert: Alert) -> int:
    async with store.engine.begin() as conn:
        ticket_id = await repo.open(conn, alert, "urgent", time.time())
    alert.ticket_id = ticket_id
    await AlertRepo(store).save([alert])
    return ticket_id


async def test_blank_root_cause_is_refused_naming_the_field(state_url: str, tmp_path: Path) -> None:
    store = await StateStore.open(state_url, tmp_path)
    try:
        repo = TicketRepo(store, recurring_window=86400)
        alert = _alert("erp-db")
        ticket_id = await _open(store, repo, alert)
        alert.status = "resolved"
        await AlertRepo(store).save([alert])
        for blank in ("   ", "", "\t\n"):
            with pytest.raises(RequestError) as caught:
                await repo.act(ticket_id, "close", "alice", blank)
            assert (caught.value.status, caught.value.field) == (422, "root_cause")
            assert str(caught.value) == "root_cause must not be blank"
        closed = await repo.act(ticket_id, "close", "alice", "  failed PSU  ")
        assert closed["status"] == "closed" and closed["root_cause"] == "failed PSU"
    finally:
        await store.close()


@pytest.mark.parametrize("action", ["resolve", "close"])
async def test_no_resolve_or_close_while_an_alert_fires_unless_forced_with_a_note(
    state_url: str, tmp_path: Path, action: str
) -> None:
    store = await StateStore.open(state_url, tmp_path)
    try:
        repo = TicketRepo(store, recurring_window=86400)
        alert = _alert("erp-db")
        ticket_id = await _open(store, repo, alert)
        cause = "bad SFP" if action == "close" else None
        with pytest.raises(ConflictError) as caught:
            await repo.act(ticket_id, action, "alice", cause)
        assert caught.value.status == 409 and caught.value.field == "force"
        assert "still fires (tcp-service-down on erp-db)" in str(caught.value)

        # after a restart: a new repository on a new connection reads the same saved alert rows
        await store.close()
        store = await StateStore.open(state_url, tmp_path)
        repo = TicketRepo(store, recurring_window=86400)
        with pytest.raises(ConflictError):
            await repo.act(ticket_id, action, "alice", cause)
        for note in (None, "  "):
            with pytest.raises(RequestError) as refused:
                await repo.act(ticket_id, action, "alice", cause, force=True, note=note)
            assert (refused.value.status, refused.value.field) == (422, "note")
        with pytest.raises(RequestError) as stray:
            await repo.act(ticket_id, action, "alice", cause, note="why")
        assert (stray.value.status, stray.value.field) == (422, "note")
        unchanged = await repo.get(ticket_id)
        assert unchanged is not None and unchanged["status"] == "open"

        done = await repo.act(
            ticket_id, action, "alice", cause, force=True, note="customer asked, ERP retired"
        )
        assert done["status"] == ("closed" if action == "close" else "resolved")
        forced = [e for e in done["history"] if e["kind"] == "forced"]
        assert len(forced) == 1 and forced[0]["actor"] == "alice"
        assert "still fired: customer asked, ERP retired" in forced[0]["text"]
        assert "tcp-service-down on erp-db" in forced[0]["text"]

        # the quiet-period auto-close leaves a force-resolved ticket alone while its alert fires
        if action == "resolve":
            assert await repo.auto_close(0, time.time() + 10) == []
            alert.status = "resolved"
            await AlertRepo(store).save([alert])
            assert await repo.auto_close(0, time.time() + 10) == [ticket_id]
    finally:
        await store.close()


async def test_repeated_evidence_is_one_entry_with_a_count(state_url: str, tmp_path: Path) -> None:
    """Through the engine's own path: evaluator evidence -> the record stage -> ticket history.
    A dark store reported its dark tills every round: 19 entries in 3 minutes."""
    store = await StateStore.open(state_url, tmp_path)
    try:
        loaded = build_config({"targets": []})
        rule = AlertRule.model_validate(
            {"name": "pos-store-down", "kind": "pos", "condition": "down", "severity": "critical"}
        )
        evaluator = Evaluator(compile_rules([rule]), loaded.targets, FlapPolicy(enabled=False), 0.0)
        pipeline = Pipeline(
            evaluator,
            loaded.config.alerts,
            loaded.config.notify,
            store,
            silences=SilenceBook(),
            wake=lambda: None,
        )
        dark = ("terminal store-0001/till-1 has not sent a heartbeat",)
        start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC).timestamp()

        def result(at: float, evidence: tuple[str, ...]) -> ProbeResult:
            return ProbeResult(
                measurement="pos",
                target="store-0001",
                kind="pos",
                ok=False,
                time_ns=int(at * 1e9),
                fields={"up": 0},
                evidence=evidence,
                tags={"site": "store-0001"},
            )

        async def round_(at: float, evidence: tuple[str, ...]) -> None:
            """One evaluation round as the alert service runs it."""
            evaluator.evaluate([result(at, evidence)])
            transitions, dirty = evaluator.take()
            lines = evaluator.take_evidence()
            await pipeline.recorder.record(transitions, dirty, at, lines)

        await round_(start, dark)
        (alert,) = evaluator.alerts.values()
        assert alert.status == "firing" and alert.ticket_id is not None
        for number in range(1, 19):
            await round_(start + 10 * number, dark)
        await round_(start + 190, ("terminal store-0001/till-2 has not sent a heartbeat",))

        ticket = await pipeline.tickets.get(alert.ticket_id)
        assert ticket is not None
        evidence = [e for e in ticket["history"] if e["kind"] == "evidence"]
        assert [(e["count"], e["last_at"]) for e in evidence] == [
            (19, datetime.fromtimestamp(start + 180, UTC).isoformat()),  # opened with, then 18 rounds
            (1, None),
        ], evidence
        assert evidence[0]["text"] == "store-0001:\n" + dark[0]
        assert "till-2" in evidence[1]["text"]
    finally:
        await store.close()
