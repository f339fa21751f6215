"""Regression tests for what the API fuzz run (tests/fuzz) found, each against a real daemon."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from tests.daemon_harness import ADMIN_TOKEN, auth, base_config, running_daemon, url


async def test_a_weekly_silence_with_a_zoned_time_is_422_and_listing_still_works(tmp_path: Path) -> None:
    """``"start": "20:00:00+01:00"`` was stored, then every GET /api/v1/silences answered 500."""
    document = base_config(tmp_path, storage={"embedded": {"enabled": False}})
    async with running_daemon(document) as daemon, aiohttp.ClientSession() as session:
        body = {
            "matchers": ["site=head-office"],
            "weekly": {"start": "20:00:00+01:00", "end": "07:00", "timezone": "Europe/Berlin"},
        }
        async with session.post(
            url(daemon, "/api/v1/silences"), json=body, headers=auth(ADMIN_TOKEN)
        ) as response:
            assert response.status == 422
            error = await response.json()
        assert error["field"] == "weekly.start"
        assert "without a zone" in error["error"]
        async with session.get(url(daemon, "/api/v1/silences"), headers=auth(ADMIN_TOKEN)) as response:
            assert response.status == 200
            assert (await response.json())["silences"] == []


@pytest.mark.parametrize("path", ["/api/v1/tickets/2147483648", "/api/v1/tickets/999999999998/ack"])
async def test_a_ticket_id_past_the_integer_column_is_400_on_both_back_ends(
    state_url: str, tmp_path: Path, path: str
) -> None:
    """PostgreSQL refused 999999999998 for the INTEGER id column and every ticket route answered 500."""
    document = base_config(tmp_path, storage={"state_url": state_url, "embedded": {"enabled": False}})
    async with running_daemon(document) as daemon, aiohttp.ClientSession() as session:
        method = "POST" if path.endswith("/ack") else "GET"
        async with session.request(method, url(daemon, path), headers=auth(ADMIN_TOKEN)) as response:
            assert response.status == 400
            assert (await response.json())["field"] == "id"
        largest = url(daemon, "/api/v1/tickets/2147483647")
        async with session.get(largest, headers=auth(ADMIN_TOKEN)) as response:
            assert response.status == 404
