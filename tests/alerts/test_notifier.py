"""The outbox notifier against the real receiver: digests, keys, a refusing endpoint."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from alerts.delivery import Deliverer
from alerts.outbox import Outbox
from alerts.sender import with_key
from monitord.config.loader import build_config
from monitord.store.engine import StateStore
from tests.alerts.harness import wait_until
from tests.servers.receiver import Receiver


def _row(key: str, title: str, *, digest: bool, now: float) -> dict[str, object]:
    return {
        "key": key,
        "route": "chat",
        "url_index": 0,
        "title": title,
        "body": f"{title} body",
        "short": f"{title} short",
        "notify_type": "failure",
        "created_at": now,
        "next_attempt_at": now,
        "digest": digest,
    }


async def test_digest_rows_go_out_as_one_message_and_plain_rows_alone(
    receiver: Receiver, tmp_path: Path
) -> None:
    config = build_config(
        {"notify": {"routes": [{"name": "chat", "urls": [receiver.url()]}], "retry_initial": "1s"}}
    ).config.notify
    store = await StateStore.open(None, tmp_path)
    notifier = Deliverer(Outbox(store), config, CollectorRegistry())
    try:
        now = time.time()
        async with store.engine.begin() as conn:
            await Outbox.add(
                conn,
                [
                    _row("a-0", "store-1 printer", digest=True, now=now),
                    _row("b-0", "store-2 printer", digest=True, now=now),
                    _row("c-0", "urgent router", digest=False, now=now),
                ],
            )
        assert await notifier.deliver_due() == 3
        titles = sorted(m.title for m in receiver.messages)
        assert titles == ["Digest: 2 normal-priority updates", "urgent router"]
        digest = next(m for m in receiver.messages if m.title.startswith("Digest"))
        assert "store-1 printer body" in digest.body and "store-2 printer body" in digest.body
        assert {m.key for m in receiver.messages} == {"a-0", "c-0"}
        assert await notifier.deliver_due() == 0  # delivered rows are never sent again

        await receiver.down()
        now = time.time()
        async with store.engine.begin() as conn:
            await Outbox.add(
                conn,
                [_row("d-0", "first", digest=False, now=now), _row("e-0", "second", digest=False, now=now)],
            )
        assert await notifier.deliver_due() == 0
        assert await Outbox(store).counts() == {"pending": 2, "gave_up": 0}
        # the second waits for the first: nothing is due again before the backoff is over
        assert await Outbox(store).due(time.time()) == []
        await receiver.up()
        due = await Outbox(store).due(time.time() + 5)
        assert [row.key for row in due] == ["d-0", "e-0"] and [row.attempts for row in due] == [1, 0]
    finally:
        notifier.close()
        await store.close()


async def test_run_survives_an_outbox_outage_and_delivers_afterwards(
    receiver: Receiver, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = build_config({"notify": {"routes": [{"name": "chat", "urls": [receiver.url()]}]}}).config.notify
    store = await StateStore.open(None, tmp_path)
    reports: list[tuple[bool, str]] = []
    notifier = Deliverer(
        Outbox(store),
        config,
        CollectorRegistry(),
        health=lambda ok, detail: reports.append((ok, detail)),
        run_backoff=0.1,
    )
    task: asyncio.Task[None] | None = None
    try:
        async with store.engine.begin() as conn:
            await Outbox.add(conn, [_row("f-0", "queued during the outage", digest=False, now=time.time())])
            await conn.exec_driver_sql("ALTER TABLE outbox RENAME TO outbox_away")
        task = asyncio.create_task(notifier.run())
        await wait_until(
            lambda: sum(1 for ok, _ in reports if not ok) >= 2, 30, "two failed passes reported as degraded"
        )
        assert not task.done()
        assert receiver.messages == []
        async with store.engine.begin() as conn:
            await conn.exec_driver_sql("ALTER TABLE outbox_away RENAME TO outbox")
        await receiver.wait_for(1, 60)
        assert [m.key for m in receiver.messages] == ["f-0"]
        await wait_until(lambda: reports[-1][0], 30, "health back to ok")
        errors = [
            r for r in caplog.records if r.name == "monitord.alerts.notify" and r.levelno >= logging.ERROR
        ]
        assert len(errors) == 1, [r.getMessage() for r in errors]  # once per failure streak
        assert not task.done()
    finally:
        if task is not None:
            task.cancel()
            await asyncio.wait([task])
            assert task.cancelled()
        notifier.close()
        await store.close()


def test_idempotency_key_only_on_schemes_with_headers() -> None:
    assert with_key("json://127.0.0.1:1/x", "k1") == "json://127.0.0.1:1/x?+X-Idempotency-Key=k1"
    assert with_key("json://127.0.0.1:1/x?a=b", "k1").endswith("&+X-Idempotency-Key=k1")
    assert with_key("tgram://bot/chat", "k1") == "tgram://bot/chat"


async def test_a_url_apprise_rejects_is_given_up_at_once_and_logged_once(
    receiver: Receiver, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """One route, two URLs: the receiver and one apprise cannot even parse. The configuration
    check refuses such a URL at load; this one got past it (as one can when apprise or its
    plugins change under a running daemon). Its messages are given up on the first try, with
    one log line for the URL, while the good URL delivers every message."""
    loaded = build_config(
        {
            "notify": {
                "routes": [{"name": "chat", "urls": [receiver.url(), receiver.url()]}],
                "give_up_after": "1h",
                "retry_initial": "1s",
            }
        }
    )
    route = loaded.config.notify.routes[0]
    broken = route.model_copy(update={"urls": [route.urls[0], SecretStr("json://[not-a-host")]})
    config = loaded.config.notify.model_copy(update={"routes": [broken]})
    store = await StateStore.open(None, tmp_path)
    registry = CollectorRegistry()
    notifier = Deliverer(Outbox(store), config, registry)
    try:
        now = time.time()
        async with store.engine.begin() as conn:
            await Outbox.add(
                conn,
                [
                    _row("g-0", "first", digest=False, now=now),
                    {**_row("g-1", "first", digest=False, now=now), "url_index": 1},
                    _row("h-0", "second", digest=False, now=now),
                    {**_row("h-1", "second", digest=False, now=now), "url_index": 1},
                ],
            )
        assert await notifier.deliver_due() == 4
        assert [m.key for m in receiver.messages] == ["g-0", "h-0"]
        assert await Outbox(store).counts() == {"pending": 0, "gave_up": 2}
        async with store.engine.connect() as conn:
            rows = (
                await conn.exec_driver_sql(
                    "SELECT key, attempts, last_error FROM outbox WHERE gave_up_at IS NOT NULL ORDER BY key"
                )
            ).all()
        assert [(key, attempts) for key, attempts, _ in rows] == [("g-1", 1), ("h-1", 1)]
        assert all("does not accept the URL" in error for _, _, error in rows)
        assert registry.get_sample_value("monitord_notifications_given_up_total", {"route": "chat"}) == 2
        assert registry.get_sample_value("monitord_notifications_retried_total", {"route": "chat"}) is None
        ours = [r.getMessage() for r in caplog.records if r.name == "monitord.alerts.notify"]
        assert len(ours) == 1 and "URL 1" in ours[0] and "given up" in ours[0], ours
        assert "not-a-host" not in caplog.text  # the URL may hold secrets
        assert await notifier.deliver_due() == 0
    finally:
        notifier.close()
        await store.close()
