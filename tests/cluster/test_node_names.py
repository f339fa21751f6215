"""A node name is one process's: a second live process with it is refused at start, and a
node restarted right after a crash waits for its old lease instead of failing."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.cluster.harness import Node, cluster, cluster_doc, start_nodes, write_config
from tests.eventually import eventually


async def test_one_name_one_process(postgres_url: str, tmp_path: Path) -> None:
    doc = cluster_doc(postgres_url, [])
    doc["cluster"] = {"heartbeat": "2s", "lease_timeout": "10s"}  # the defaults: time to restart within
    config = write_config(tmp_path / "monitord.yaml", doc)
    async with cluster(config, tmp_path, ["a"]) as nodes:
        twin = Node("a", config, tmp_path / "twin")
        twin.state_dir.mkdir(parents=True)
        twin.start()
        assert twin.process is not None
        code = await asyncio.wait_for(asyncio.to_thread(twin.process.wait, 60), 90)
        assert code != 0
        assert "another live process holds this node's lease" in twin.tail(), twin.tail()

        first = nodes["a"]
        first.kill()
        await start_nodes([first])  # at once: it waits for its own old lease to run out
        status = await eventually(lambda: _alive(first), "a to hold its lease again", timeout=30)
        assert [m["node"] for m in status["members"] if m["alive"]] == ["a"]
        assert "still has a live lease; waiting for it to run out" in first.tail(80)


async def _alive(node: Node) -> dict[str, object] | None:
    status = await node.cluster()
    return status if any(m["alive"] and m["self"] for m in status["members"]) else None
