"""A running daemon on each state back end (SQLite file, real PostgreSQL) with sites, targets,
a POS store and an IPAM subnet to link assets to, and a small client for its API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from monitord.daemon import Daemon
from tests.daemon_harness import ADMIN_TOKEN, READ_TOKEN, auth, base_config, running_daemon, url

SUBNET = "10.77.0.0/24"


class Api:
    """Calls under /api/v1 of one test daemon; JSON answers decoded, CSV as text."""

    def __init__(self, daemon: Daemon, session: aiohttp.ClientSession) -> None:
        self.daemon = daemon
        self.session = session

    async def call(
        self, method: str, path: str, body: Any = None, *, token: str | None = ADMIN_TOKEN
    ) -> tuple[int, Any]:
        async with self.session.request(
            method,
            url(self.daemon, f"/api/v1{path}"),
            json=body,
            headers=auth(token) if token else {},
            timeout=aiohttp.ClientTimeout(total=60),
        ) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.text()

    async def csv(self, text: str, query: str = "") -> tuple[int, Any]:
        async with self.session.post(
            url(self.daemon, f"/api/v1/assets/import{query}"),
            data=text.encode(),
            headers={**auth(ADMIN_TOKEN), "Content-Type": "text/csv"},
            timeout=aiohttp.ClientTimeout(total=60),
        ) as response:
            return response.status, await response.json()

    async def address(self, address: str, **extra: Any) -> None:
        """Register ``address`` in IPAM (the subnet is created on first use)."""
        status, subnets = await self.call("GET", "/ipam/subnets")
        found = [s for s in subnets["subnets"] if s["cidr"] == SUBNET]
        if found:
            subnet_id = found[0]["id"]
        else:
            status, created = await self.call("POST", "/ipam/subnets", {"cidr": SUBNET})
            assert status == 201, created
            subnet_id = created["id"]
        status, body = await self.call(
            "POST", f"/ipam/subnets/{subnet_id}/allocate", {"address": address, **extra}
        )
        assert status == 201, body


def register_document(state_dir: Path, state_url: str, **sections: Any) -> dict[str, Any]:
    document = base_config(
        state_dir,
        storage={"state_url": state_url, "embedded": {"enabled": False}},
        sites={"head-office": {}, "store-1": {"timezone": "Europe/Berlin"}},
        targets=[
            {"name": "core-switch", "address": "127.0.0.1", "site": "head-office"},
            {"name": "till-1", "address": "127.0.0.2", "site": "store-1"},
        ],
        pos={"stores": {"store-1": {"site": "store-1", "terminals": {"t1": {}}}}},
    )
    document.update(sections)
    return document


@pytest.fixture
async def api(state_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with (
        running_daemon(register_document(tmp_path, state_url)) as daemon,
        aiohttp.ClientSession() as session,
    ):
        yield Api(daemon, session)


__all__ = ["ADMIN_TOKEN", "READ_TOKEN", "SUBNET", "Api", "register_document"]
