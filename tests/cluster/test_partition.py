"""Cut one node off from PostgreSQL: after its lease it evaluates and sends nothing, the
survivors carry on (an incident that starts meanwhile is paged once, by them), and when
the cut ends the node rejoins and takes its targets back without paging anything twice."""

from __future__ import annotations

from pathlib import Path

from monitord.cluster.hashing import owner_of
from tests.alerts.harness import Listener
from tests.cluster.harness import Node, cluster, cluster_doc, partition, write_config
from tests.cluster.proxy import Proxy
from tests.cluster.test_outbox_drain import SENT
from tests.eventually import eventually
from tests.servers.receiver import Receiver

NODES = ["a", "b", "c"]


def owned_by(node: str, prefix: str) -> str:
    """The first name ``prefix-N`` that rendezvous hashing gives ``node``."""
    return next(f"{prefix}-{i}" for i in range(1000) if owner_of(f"{prefix}-{i}", NODES) == node)


def tcp(name: str, port: int) -> dict[str, object]:
    return {
        "name": name,
        "address": "127.0.0.1",
        "site": "office",
        "probes": {"tcp": {"port": port, "interval": "0.5s", "timeout": "1s"}},
    }


async def fenced(node: Node) -> bool:
    status = await node.cluster()
    return bool(status["fenced"])


async def rejoined(node: Node) -> bool:
    return not await fenced(node)


async def test_cut_node_goes_quiet_and_rejoins(postgres_url: str, tmp_path: Path, receiver: Receiver) -> None:
    host_port = postgres_url.split("@", 1)[1].split("/", 1)[0]
    host, port = host_port.split(":")
    proxy = Proxy(host, int(port))
    await proxy.start()
    service, erp_port, pos_port = Listener(), Listener(), Listener()
    await service.open()
    await pos_port.open()
    erp, pos = owned_by("c", "erp"), owned_by("c", "pos")
    targets = [tcp(f"up{i:02d}", service.port) for i in range(12)] + [
        tcp(erp, erp_port.port),
        tcp(pos, pos_port.port),
    ]
    names = {str(t["name"]) for t in targets}
    doc = cluster_doc(postgres_url, targets, receiver_url=receiver.url(), alerts=True)
    config = write_config(tmp_path / "monitord.yaml", doc)
    via_proxy = postgres_url.replace(host_port, f"127.0.0.1:{proxy.port}")
    env = {"c": {"MONITORD_STORAGE__STATE_URL": via_proxy}}
    try:
        async with cluster(config, tmp_path, NODES, env=env) as nodes:
            c = nodes["c"]
            owners = await partition(nodes.values(), names)
            assert {erp, pos} <= owners["c"]
            assert [m.kind for m in await receiver.wait_for(1, 30)] == ["failure"]  # erp is down

            proxy.cut()
            await eventually(lambda: fenced(c), "c to fence itself", timeout=30)
            sent_when_fenced = await c.metric(SENT)
            # Fenced, c still probes what it had (its time series go on through its sinks).
            probed_at_fence = await c.last_probe_ns(erp)
            await eventually(lambda: _probed_since(c, erp, probed_at_fence), "c to go on probing", timeout=30)
            survivors = [nodes["a"], nodes["b"]]
            await partition(survivors, names)  # c's targets moved to a and b

            await pos_port.close()  # a new incident while c is cut off: paged once, by a or b
            got = await receiver.wait_for(2, 30)
            assert [m.kind for m in got] == ["failure", "failure"], got
            assert await c.metric(SENT) == sent_when_fenced  # c sent nothing after its lease

            proxy.heal()
            await eventually(lambda: rejoined(c), "c to rejoin", timeout=30)
            back = await partition(nodes.values(), names)
            assert {erp, pos} <= back["c"]
            # c resumes both incidents from the state store: no page, no false recovery.
            seen = await c.last_probe_ns(pos)
            await eventually(lambda: _probed_since(c, pos, seen), "c to probe pos again", timeout=30)
            await eventually(lambda: _probed_since(c, erp, seen), "c to probe erp again", timeout=30)
            assert [m.kind for m in receiver.messages] == ["failure", "failure"], receiver.messages

            await erp_port.open()  # the end of erp is paged once, by its owner c
            done = await receiver.wait_for(3, 30)
            assert [m.kind for m in done] == ["failure", "failure", "success"], done
            assert len({m.key for m in done}) == 3
    finally:
        await proxy.close()
        for listener in (service, erp_port, pos_port):
            await listener.close()


async def _probed_since(node: Node, target: str, since_ns: int) -> bool:
    return await node.last_probe_ns(target) > since_ns + 1_200_000_000
