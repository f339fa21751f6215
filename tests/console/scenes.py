"""Putting a running console's daemon into a state worth looking at: a ticket with a
hostile note and evidence, a silence, a subnet with addresses, a POS heartbeat."""

from __future__ import annotations

import dataclasses
from typing import Any

import aiohttp

from monitord.results import now_ns
from tests.alerts.harness import api
from tests.console.harness import Console
from tests.eventually import eventually

HOSTILE_NOTE = "<img src=x onerror=alert('note')> \"double\" 'single' & ünïcødé ✓"
HOSTILE_EVIDENCE = "<script>alert('evidence')</script> line \"two\" ⚠"


async def ticket_for(site: Console, target: str) -> dict[str, Any]:
    async def find() -> dict[str, Any] | None:
        code, body = await api(site.daemon, "GET", "/api/v1/tickets?limit=50")
        assert code == 200
        return next((t for t in body["tickets"] if t["target"] == target), None)

    found: dict[str, Any] = await eventually(find, f"a ticket for {target}")
    return found


async def down_with_evidence(site: Console, target: str) -> dict[str, Any]:
    """``target`` goes down; one of its failed results carries hostile evidence lines."""
    await site.listeners[target].close()
    runtime = site.daemon.runtime
    assert runtime is not None
    last = await eventually(
        lambda: (r := runtime.results.latest().get((target, "tcp"))) is not None and not r.ok and r,
        f"a failed tcp result for {target}",
    )
    ticket = await ticket_for(site, target)
    runtime.publish([dataclasses.replace(last, time_ns=now_ns(), evidence=(HOSTILE_EVIDENCE, "plain line"))])

    async def has_evidence() -> bool:
        body = (await api(site.daemon, "GET", f"/api/v1/tickets/{ticket['id']}"))[1]
        return any(e["kind"] == "evidence" for e in body["history"])

    await eventually(has_evidence, "the evidence in the ticket's history")
    return ticket


async def subnet(site: Console, cidr: str = "10.20.0.0/24", name: str = "store-7 LAN") -> int:
    code, body = await api(site.daemon, "POST", "/api/v1/ipam/subnets", json={"cidr": cidr, "name": name})
    assert code == 201, body
    subnet_id: int = body["id"]
    return subnet_id


async def heartbeat(site: Console, terminal: str) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{site.base}/api/v1/pos/heartbeat",
            json={"terminal": terminal, "store": "store-7", "version": "till-os 4.2"},
            headers={"Authorization": "Bearer store-7-heartbeat-token-0123456789"},
        ) as answer:
            assert answer.status == 200, await answer.text()
