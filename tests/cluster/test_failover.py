"""SIGKILL the node that owns a firing incident: survivors probe all of its targets
again, the incident is neither resolved nor paged again, and its end is paged once."""

from __future__ import annotations

import time
from pathlib import Path

from tests.alerts.harness import Listener
from tests.cluster.harness import Node, cluster, cluster_doc, owned_sets, partition, write_config
from tests.eventually import eventually
from tests.servers.receiver import Receiver

UP_TARGETS = 30


async def test_sigkill_moves_targets_and_keeps_the_incident(
    postgres_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    service, broken = Listener(), Listener()
    await service.open()
    targets = [
        {
            "name": f"up{index:02d}",
            "address": "127.0.0.1",
            "site": "office",
            "probes": {"tcp": {"port": service.port, "interval": "0.5s", "timeout": "1s"}},
        }
        for index in range(UP_TARGETS)
    ]
    targets.append(
        {
            "name": "erp",
            "address": "127.0.0.1",
            "site": "office",
            "probes": {"tcp": {"port": broken.port, "interval": "0.5s", "timeout": "1s"}},
        }
    )
    names = {t["name"] for t in targets}
    doc = cluster_doc(postgres_url, targets, receiver_url=receiver.url(), alerts=True)
    config = write_config(tmp_path / "monitord.yaml", doc)
    try:
        async with cluster(config, tmp_path, ["a", "b", "c"]) as nodes:
            owners = await partition(nodes.values(), names)
            fired = await receiver.wait_for(1, 30)
            assert [m.kind for m in fired] == ["failure"], fired
            victim = next(name for name, owned in owners.items() if "erp" in owned)
            moved = owners[victim]
            survivors = [node for name, node in nodes.items() if name != victim]

            killed_ns = time.time_ns()
            nodes[victim].kill()

            async def probed_again() -> bool:
                latest: dict[str, int] = dict.fromkeys(moved, 0)
                for node in survivors:
                    for target, stamp in (await node.probe_times()).items():
                        if target in latest:
                            latest[target] = max(latest[target], stamp)
                return all(stamp > killed_ns for stamp in latest.values())

            await eventually(probed_again, f"the targets of {victim} probed by a survivor", timeout=30)
            # A few more rounds on the new owner: still firing, nothing new to say.
            now_owned = await owned_sets(survivors)
            new_owner = next(node for node in survivors if "erp" in now_owned[node.name])
            seen = await new_owner.last_probe_ns("erp")
            await eventually(
                lambda: _later(new_owner, "erp", seen),
                "three more probes of erp on its new owner",
                timeout=30,
            )
            assert [m.kind for m in receiver.messages] == ["failure"], receiver.messages

            await broken.open()  # the incident ends: the new owner pages its end, once
            done = await receiver.wait_for(2, 30)
            assert [m.kind for m in done] == ["failure", "success"], done
            keys = [m.key for m in done]
            assert len(set(keys)) == len(keys), keys
    finally:
        await service.close()
        await broken.close()


async def _later(node: Node, target: str, since_ns: int) -> bool:
    stamp = await node.last_probe_ns(target)
    return stamp > since_ns + 1_200_000_000  # at least two intervals after
