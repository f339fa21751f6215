"""1,000 queued messages drained by three nodes at once: each arrives exactly once."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import func, select

from alerts.outbox import Outbox
from alerts.tables import outbox
from monitord.store.engine import StateStore
from tests.cluster.harness import cluster, cluster_doc, write_config
from tests.eventually import eventually
from tests.servers.receiver import Receiver

MESSAGES = 1000
SENT = "monitord_notifications_sent_total"


async def test_three_nodes_drain_the_outbox_exactly_once(
    postgres_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    store = await StateStore.open(postgres_url, tmp_path)
    try:
        now = time.time()
        rows = [
            {
                "key": f"queued-{index:04d}",
                "route": "oncall",
                "url_index": 0,
                "title": f"message {index}",
                "body": "queued before any node started",
                "short": f"m{index}",
                "notify_type": "info",
                "created_at": now,
                "next_attempt_at": now,
            }
            for index in range(MESSAGES)
        ]
        async with store.engine.begin() as conn:
            await Outbox.add(conn, rows)
        doc = cluster_doc(postgres_url, [], receiver_url=receiver.url(), alerts=True)
        config = write_config(tmp_path / "monitord.yaml", doc)
        async with cluster(config, tmp_path, ["a", "b", "c"]) as nodes:

            async def drained() -> bool:
                query = select(func.count()).select_from(outbox).where(outbox.c.delivered_at.is_(None))
                async with store.engine.connect() as conn:
                    return int((await conn.execute(query)).scalar_one()) == 0

            await eventually(drained, "every queued message delivered", timeout=120, every=0.2)
            senders = {name: int(await node.metric(SENT) or 0) for name, node in nodes.items()}
        keys = [m.key for m in receiver.messages]
        titles = sorted(m.title for m in receiver.messages)
        assert len(keys) == MESSAGES, len(keys)
        assert len(set(keys)) == MESSAGES  # the idempotency keys: no row sent twice
        assert len(set(titles)) == MESSAGES
        assert sum(senders.values()) == MESSAGES, senders
        assert sum(1 for count in senders.values() if count) >= 2, senders  # not one node alone
    finally:
        await store.close()
