"""Singletons run on the leader only (the advisory lock); kill the leader and they move."""

from __future__ import annotations

from pathlib import Path

from tests.cluster.harness import Node, cluster, cluster_doc, write_config
from tests.eventually import eventually

SUBNET = "127.0.0.0/29"
SWEPT = "monitord_ipam_last_sweep_timestamp_seconds"


async def leader_of(nodes: list[Node]) -> Node | None:
    leaders = [node for node in nodes if (await node.cluster())["leader"]]
    return leaders[0] if len(leaders) == 1 else None


async def test_reconciliation_runs_on_the_leader_and_moves_when_it_dies(
    postgres_url: str, tmp_path: Path
) -> None:
    ipam = {"reconcile": {"subnets": [SUBNET], "interval": "1s", "arp": False, "count": 1, "timeout": "0.2s"}}
    doc = cluster_doc(postgres_url, [], extra={"ipam": ipam})
    config = write_config(tmp_path / "monitord.yaml", doc)
    # c reads a different file (another buffer size): reported by every node, not obeyed.
    env = {"c": {"MONITORD_DAEMON__BUFFER_SIZE": "12345"}}
    async with cluster(config, tmp_path, ["a", "b", "c"], env=env) as nodes:
        everyone = list(nodes.values())
        seen = await eventually(lambda: _mismatch(nodes["a"]), "a to report c's configuration", timeout=30)
        assert seen == ["c"]
        status, health = await nodes["a"].get("/healthz")
        assert status == 503 and health["subsystems"]["cluster"]["ok"] is False, health
        assert health["cluster"]["config_mismatch"] == ["c"]
        status, body = await everyone[0].post("/api/v1/ipam/subnets", {"cidr": SUBNET, "name": "loopback"})
        assert status == 201, body
        first = await eventually(lambda: leader_of(everyone), "one leader", timeout=30)
        await eventually(lambda: first.metric(SWEPT), f"a sweep on the leader {first.name}", timeout=30)
        for node in everyone:
            if node is not first:
                assert await node.metric(SWEPT) is None, node.name  # followers never sweep

        first.kill()
        survivors = [node for node in everyone if node is not first]
        second = await eventually(lambda: leader_of(survivors), "a new leader", timeout=30)
        await eventually(lambda: second.metric(SWEPT), f"a sweep on the new leader {second.name}", timeout=30)
        other = next(node for node in survivors if node is not second)
        assert await other.metric(SWEPT) is None


async def _mismatch(node: Node) -> list[str] | None:
    found = (await node.cluster())["config_mismatch"]
    return list(found) if found else None
