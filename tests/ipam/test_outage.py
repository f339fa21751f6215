"""A state database that goes away mid-run gives JSON 503s, never a 500 or a traceback."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import asyncpg

from tests.daemon_harness import READ_TOKEN, running_daemon
from tests.ipam.conftest import Api, ipam_document


async def test_database_outage_is_a_503(postgres_url: str, postgres_server: str, tmp_path: Path) -> None:
    async with (
        running_daemon(ipam_document(tmp_path, postgres_url)) as daemon,
        aiohttp.ClientSession() as session,
    ):
        api = Api(daemon, session)
        sid = (await api.subnet("10.110.0.0/24"))["id"]
        host, port = postgres_server.split(":")
        admin = await asyncpg.connect(
            host=host, port=int(port), user="postgres", database="postgres", timeout=10
        )
        try:
            await admin.execute(f'DROP DATABASE "{postgres_url.rsplit("/", 1)[1]}" WITH (FORCE)')
        finally:
            await admin.close()
        status, body = await api.call("POST", f"/subnets/{sid}/allocate", {})
        assert status == 503, body
        assert "state database" in body["error"]
        status, body = await api.call("GET", "/subnets", token=READ_TOKEN)
        assert status == 503 and "retry" in body["error"]
