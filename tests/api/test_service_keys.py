"""Routes find their subsystem through typed keys, one way for all: a subsystem that is not
running answers the same 404 JSON in every area, naming the field that turns it on. And the
daemon's one ICMP engine is the one IPAM sweeps and ``check`` allocations ping through."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from monitord.icmp.shared import SharedIcmp
from monitord.ipam.pinger import EnginePinger
from monitord.ipam.service import ReconcileService
from tests.daemon_harness import READ_TOKEN, auth, base_config, running_daemon, url

OFF = [
    ("/api/v1/tickets", "alerts.enabled", "the alert engine"),
    ("/api/v1/alerts", "alerts.enabled", "the alert engine"),
    ("/api/v1/pos/stores", "pos.stores", "POS monitoring"),
    ("/api/v1/series?target=web-1", "storage.embedded.enabled", "the embedded series store"),
]


async def test_every_area_answers_the_same_404_when_its_subsystem_is_off(tmp_path: Path) -> None:
    document = base_config(tmp_path, alerts={"enabled": False}, storage={"embedded": {"enabled": False}})
    async with running_daemon(document) as daemon, aiohttp.ClientSession() as session:
        for path, field, what in OFF:
            async with session.get(url(daemon, path), headers=auth(READ_TOKEN)) as response:
                body = await response.json()
                assert response.status == 404, (path, body)
                assert body == {
                    "error": f"{what} is not running (see {field} in the configuration)",
                    "field": field,
                }, path


@pytest.mark.root
async def test_icmp_probes_and_ipam_share_the_daemons_engine(tmp_path: Path) -> None:
    document = base_config(
        tmp_path,
        alerts={"enabled": False},
        targets=[{"name": "lo", "address": "127.0.0.1", "site": "lab", "probes": {"icmp": {}}}],
    )
    async with running_daemon(document) as daemon:
        shared = daemon.icmp.current
        assert shared is not None
        assert daemon.kinds["icmp"].engine is shared  # type: ignore[attr-defined]
        reconcile = next(s for s in daemon.services if isinstance(s, ReconcileService))
        answered = await reconcile._pinger.alive(["127.0.0.1"], timeout=2.0)
        assert set(answered) == {"127.0.0.1"}
        assert daemon.icmp.current is shared  # no second engine was opened
    assert daemon.icmp.current is None  # closed with the daemon


@pytest.mark.root
async def test_a_pinger_on_the_shared_engine_leaves_it_open() -> None:
    shared = SharedIcmp()
    pinger = EnginePinger(count=1, shared=shared)
    try:
        assert set(await pinger.alive(["127.0.0.1"], timeout=2.0)) == {"127.0.0.1"}
        engine = shared.current
        assert engine is not None
        await pinger.close()
        assert shared.current is engine
        assert set(await EnginePinger(count=1, shared=shared).alive(["127.0.0.1"], 2.0)) == {"127.0.0.1"}
        assert shared.current is engine
    finally:
        shared.close()
