"""The alert stages on their own, on a real SQLite state store: the mute stage decides for
planning and flushing alike, a resolved message waits out a silence instead of being lost,
and a failed outbox transaction leaves nothing half-told."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from alerts.alert_repo import AlertRepo
from alerts.evaluator import Evaluator
from alerts.flapping import FlapPolicy
from alerts.pipeline import Pipeline
from alerts.rules import compile_rules
from alerts.silences import Silence, SilenceBook, SilenceSpec
from monitord.config.loader import build_config
from monitord.results import ProbeResult
from monitord.store.engine import StateStore

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC).timestamp()
DOWN = {
    "name": "service-down",
    "kind": "tcp",
    "condition": "down",
    "severity": "critical",
    "marks_down": True,
    "summary": "{target} down",
}


def _target(name: str, parent: str | None = None) -> dict[str, object]:
    target: dict[str, object] = {
        "name": name,
        "address": "127.0.0.1",
        "site": "store-1",
        "probes": {"tcp": {"port": 9}},
    }
    if parent:
        target["parent"] = parent
    return target


@dataclass
class Engine:
    store: StateStore
    evaluator: Evaluator
    silences: SilenceBook
    pipeline: Pipeline

    async def round(self, at: float, results: list[ProbeResult], *, tick: bool = False) -> int:
        """One evaluation round as the alert service runs it; returns messages written."""
        self.evaluator.evaluate(results, at)
        transitions, dirty = self.evaluator.take()
        await self.pipeline.recorder.record(transitions, dirty, at, self.evaluator.take_evidence())
        await self.pipeline.planner.plan(at, changed=bool(transitions), tick=tick)
        return await self.pipeline.flusher.flush(at)

    async def titles(self) -> list[str]:
        async with self.store.engine.connect() as conn:
            rows = (await conn.exec_driver_sql("SELECT title FROM outbox ORDER BY id")).all()
        return [str(title) for (title,) in rows]


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    loaded = build_config(
        {
            "targets": [_target("router"), _target("till", parent="router")],
            "alerts": {"default_rules": False, "rules": [DOWN], "dependency_grace": "0s"},
            "notify": {
                "routes": [
                    {
                        "name": "oncall",
                        "urls": ["json://127.0.0.1:9/unused"],
                        "group_wait": "0s",
                        "group_interval": "1s",
                    }
                ]
            },
        }
    )
    config = loaded.config
    store = await StateStore.open(None, tmp_path)
    evaluator = Evaluator(
        compile_rules(config.alerts.effective_rules()), loaded.targets, FlapPolicy(enabled=False), T0
    )
    silences = SilenceBook()
    pipeline = Pipeline(evaluator, config.alerts, config.notify, store, silences=silences, wake=lambda: None)
    try:
        yield Engine(store, evaluator, silences, pipeline)
    finally:
        await store.close()


def tcp(target: str, at: float, *, up: bool) -> ProbeResult:
    return ProbeResult(
        measurement="tcp",
        target=target,
        kind="tcp",
        time_ns=int(at * 1e9),
        ok=up,
        fields={"up": 1 if up else 0},
        tags={"site": "store-1"},
    )


def silence(target: str) -> Silence:
    spec = SilenceSpec(matchers=[f"target={target}"], ends_at=datetime(2027, 1, 1, tzinfo=UTC))
    return Silence.from_spec(spec, created_by="test", source="api")


async def test_a_resolved_message_waits_out_a_silence_and_then_goes_out_once(engine: Engine) -> None:
    assert await engine.round(T0, [tcp("till", T0, up=False)]) == 1
    (alert,) = engine.evaluator.alerts.values()
    (saved,) = await AlertRepo(engine.store).load()
    assert saved.notified["oncall"] == "firing"  # saved with the outbox row, one transaction

    muting = silence("till")
    engine.silences.add(muting)
    assert engine.pipeline.mute.judge([alert], T0 + 10)[alert.fingerprint].silenced
    assert await engine.round(T0 + 10, [tcp("till", T0 + 10, up=True)]) == 0
    assert alert.status == "resolved" and engine.pipeline.next_flush() is None
    assert await engine.round(T0 + 20, [], tick=True) == 0  # still silenced: still owed

    engine.silences.remove(muting.id)
    verdict = engine.pipeline.mute.judge([alert], T0 + 30)[alert.fingerprint]
    assert not verdict.muted and [r.name for r in verdict.routes] == ["oncall"]
    assert await engine.round(T0 + 30, [], tick=True) == 1
    assert await engine.round(T0 + 40, [], tick=True) == 0  # told once
    titles = await engine.titles()
    assert len(titles) == 2 and "FIRING" in titles[0] and "RESOLVED" in titles[1], titles


async def test_a_child_behind_its_down_parent_is_muted_and_joins_the_parents_ticket(engine: Engine) -> None:
    assert await engine.round(T0, [tcp("router", T0, up=False), tcp("till", T0, up=False)]) == 1
    router = next(a for a in engine.evaluator.alerts.values() if a.target == "router")
    till = next(a for a in engine.evaluator.alerts.values() if a.target == "till")
    verdict = engine.pipeline.mute.judge([till], T0)[till.fingerprint]
    assert verdict.muted and verdict.behind is not None and verdict.behind.target == "router"
    assert verdict.routes == ()
    assert till.ticket_id == router.ticket_id is not None
    assert "oncall" in router.notified and "oncall" not in till.notified
    (title,) = await engine.titles()
    assert "(1 alert)" in title, title
    assert await engine.round(T0 + 3600 * 5, [], tick=True) == 1  # a reminder: the router only
    assert "oncall" not in till.notified


async def test_a_failed_outbox_transaction_puts_back_what_receivers_heard(engine: Engine) -> None:
    async with engine.store.engine.begin() as conn:
        await conn.exec_driver_sql("ALTER TABLE outbox RENAME TO outbox_away")
    with pytest.raises(Exception, match="outbox"):
        await engine.round(T0, [tcp("till", T0, up=False)])
    (alert,) = engine.evaluator.alerts.values()
    assert alert.status == "firing" and alert.notified == {}
    assert engine.pipeline.next_flush() == T0  # the group is queued again
    async with engine.store.engine.begin() as conn:
        await conn.exec_driver_sql("ALTER TABLE outbox_away RENAME TO outbox")
    assert await engine.pipeline.flusher.flush(T0 + 1) == 1
    assert alert.notified["oncall"] == "firing"
    assert len(await engine.titles()) == 1
