"""A running daemon on each state back end (SQLite file, real PostgreSQL) and an HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from monitord.daemon import Daemon
from tests.daemon_harness import ADMIN_TOKEN, READ_TOKEN, auth, base_config, running_daemon, url


class Api:
    """A small client for the IPAM API of one test daemon."""

    def __init__(self, daemon: Daemon, session: aiohttp.ClientSession) -> None:
        self.daemon = daemon
        self.session = session

    def url(self, path: str) -> str:
        return url(self.daemon, f"/api/v1/ipam{path}")

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = ADMIN_TOKEN,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        merged = dict(auth(token)) if token else {}
        merged.update(headers or {})
        async with self.session.request(
            method, self.url(path), json=body, headers=merged, timeout=aiohttp.ClientTimeout(total=60)
        ) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.text()

    async def subnet(self, cidr: str, **extra: Any) -> dict[str, Any]:
        status, body = await self.call("POST", "/subnets", {"cidr": cidr, **extra})
        assert status == 201, body
        return dict(body)


def ipam_document(state_dir: Path, state_url: str, **sections: Any) -> dict[str, Any]:
    return base_config(
        state_dir, storage={"state_url": state_url, "embedded": {"enabled": False}}, **sections
    )


@pytest.fixture
async def api(state_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    async with running_daemon(ipam_document(tmp_path, state_url)) as daemon, aiohttp.ClientSession() as s:
        yield Api(daemon, s)


__all__ = ["ADMIN_TOKEN", "READ_TOKEN", "Api", "ipam_document"]
