"""POS heartbeats accepted by a follower reach the leader, where the stores are evaluated."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp

from tests.cluster.harness import Node, cluster, cluster_doc, write_config
from tests.cluster.test_leader import leader_of
from tests.eventually import eventually

STORE_TOKEN = "cluster-store-token-0123456789"


async def beat(node: Node) -> int:
    url = f"http://127.0.0.1:{node.port}/api/v1/pos/heartbeat"
    headers = {"Authorization": f"Bearer {STORE_TOKEN}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            url,
            json={"store": "store-a", "terminal": "a1"},
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=5),
        ) as response,
    ):
        return response.status


async def state_of(node: Node, terminal: str) -> str | None:
    status, body = await node.get("/api/v1/pos/terminals?store=store-a")
    assert status == 200, body
    found: dict[str, Any] = {t["terminal"]: t for t in body["terminals"]}
    return found[terminal]["state"] if terminal in found else None


async def test_a_followers_heartbeats_reach_the_leader(postgres_url: str, tmp_path: Path) -> None:
    pos = {
        "interval": "1s",
        "missed_intervals": 3,
        "down_terminals": 1,
        "evaluate_every": "100ms",
        "hours": {"daily": "00:00-24:00"},
        "stores": {"store-a": {"token": STORE_TOKEN, "terminals": {"a1": {}}}},
    }
    doc = cluster_doc(postgres_url, [], extra={"pos": pos, "sites": {"store-a": {}}})
    config = write_config(tmp_path / "monitord.yaml", doc)
    async with cluster(config, tmp_path, ["a", "b", "c"]) as nodes:
        everyone = list(nodes.values())
        leader = await eventually(lambda: leader_of(everyone), "one leader", timeout=30)
        follower = next(node for node in everyone if node is not leader)
        stop = asyncio.Event()

        async def keep_beating() -> None:
            for _ in range(600):  # bounded: at most a minute of heartbeats
                if stop.is_set():
                    return
                assert await beat(follower) == 200
                await asyncio.sleep(0.2)

        beating = asyncio.create_task(keep_beating())
        try:
            await eventually(lambda: _is(leader, "a1", "up"), "the leader to see a1 up", timeout=30)
        finally:
            stop.set()
            await beating
        # Heard of only through the follower: once it stops, the leader judges a1 dark (its
        # store, with one till, is down with it, so the till is "unreachable").
        await eventually(
            lambda: _is(leader, "a1", "down", "unreachable"), "the leader to see a1 dark", timeout=30
        )


async def _is(node: Node, terminal: str, *states: str) -> bool:
    return await state_of(node, terminal) in states
