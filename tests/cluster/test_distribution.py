"""3,000 targets shared by three real nodes within ±10 %; a fourth node joins, takes
about a quarter, and no target moves between the three that were there."""

from __future__ import annotations

from pathlib import Path

from tests.cluster.harness import (
    Node,
    cluster,
    cluster_doc,
    partition,
    start_nodes,
    tcp_targets,
    write_config,
)
from tests.servers.processes import free_port

TARGETS = 3000


async def test_three_nodes_share_and_a_fourth_takes_a_quarter(postgres_url: str, tmp_path: Path) -> None:
    targets = tcp_targets(TARGETS, free_port())  # nothing listens; hourly probes barely run
    names = {t["name"] for t in targets}
    config = write_config(tmp_path / "monitord.yaml", cluster_doc(postgres_url, targets))
    async with cluster(config, tmp_path, ["a", "b", "c"]) as nodes:
        before = await partition(nodes.values(), names)
        for node, owned in before.items():
            assert abs(len(owned) - TARGETS / 3) <= 0.1 * TARGETS / 3, (node, len(owned))

        fourth = nodes["d"] = Node("d", config, tmp_path)
        await start_nodes([fourth])
        after = await partition(nodes.values(), names)
        assert abs(len(after["d"]) - TARGETS / 4) <= 0.1 * TARGETS / 4, len(after["d"])
        for name in ("a", "b", "c"):
            # Only what the newcomer wins leaves a node; nothing arrives from another old node.
            assert after[name] <= before[name], name
            assert before[name] - after[name] <= after["d"], name
