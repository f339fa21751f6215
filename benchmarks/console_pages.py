"""Console pages with 10,000 targets and 2,000 tickets, next to the JSON API for the same data.

A daemon (this process) monitors 10,000 tcp targets on loopback (5 % of them down, so
500 alerts fire and open tickets; 1,500 more tickets are opened through the same
``TicketRepo.open`` the engine uses) and holds a /24 with 120 registered addresses. A
signed-in admin (made with the accounts service) fetches, in interleaved rounds:

- the overview (``/console/``) beside ``GET /api/v1/targets`` (every target as JSON);
- a ticket page beside ``GET /api/v1/tickets/{id}``;
- the subnet's address map beside ``GET /api/v1/ipam/addresses?subnet_id=..``.

Times are loopback round trips from a client in the same process, an upper bound on the
server's time. Goals: overview <= 300 ms and < 500 KB of HTML; ticket page and subnet map
p99 <= 50 ms.

    .venv/bin/python -m benchmarks.console_pages [--quick]
"""

from __future__ import annotations

import asyncio
import logging
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from alerts.service import AlertService
from alerts.state import Alert, fingerprint
from benchmarks.harness import Figure, ainterleave, parser, report
from monitord.accounts.service import Accounts
from monitord.config.loader import build_config
from monitord.daemon import Daemon
from tests.daemon_harness import ADMIN_TOKEN, auth, base_config

TARGETS = 10_000
TICKETS = 2_000
DOWN_EVERY = 20  # 5 % of the targets point at a closed port
PASSWORD = "benchmark password 0123"
OVERVIEW_MS = 300.0
OVERVIEW_BYTES = 500_000
P99_MS = 50.0


def document(state_dir: Path, up_port: int, down_port: int) -> dict[str, Any]:
    targets = [
        {
            "name": f"t{i:05d}",
            "address": "127.0.0.1",
            "site": f"site-{i // 20:04d}",
            "probes": {"tcp": {"port": down_port if i % DOWN_EVERY == 0 else up_port, "interval": "10m"}},
        }
        for i in range(TARGETS)
    ]
    doc = base_config(state_dir)
    doc["daemon"]["log_level"] = "warning"
    doc["targets"] = targets
    doc["storage"] = {"embedded": {"enabled": False}}
    doc["alerts"] = {
        "default_rules": False,
        "rules": [{"name": "service-down", "kind": "tcp", "condition": "down", "severity": "critical"}],
        "evaluation_interval": "0.5s",
    }
    return doc


async def extra_tickets(service: AlertService, count: int) -> list[int]:
    assert service.pipeline is not None
    repo = service.pipeline.tickets
    ids = []
    now = time.time()
    for start in range(0, count, 100):  # short transactions: the engine writes beside them
        async with service.runtime.state.engine.begin() as conn:
            for i in range(start, min(count, start + 100)):
                target = f"t{(i * 7) % TARGETS:05d}"
                alert = Alert(
                    fingerprint=fingerprint("latency-high", target, {"n": str(i)}),
                    rule="latency-high",
                    target=target,
                    labels={"site": f"site-{(i * 7) % TARGETS // 20:04d}", "severity": "warning"},
                    summary=f"{target} round trip over 80 ms",
                    evidence=[f"rtt {80 + i % 40} ms at probe {j}" for j in range(3)],
                )
                ids.append(await repo.open(conn, alert, "urgent" if i % 50 == 0 else "normal", now - i))
    return ids


async def signed_in(base: str) -> aiohttp.ClientSession:
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with session.get(f"{base}/console/sign-in") as answer:
        page = await answer.text()
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    form = {"csrf": token.group(1), "name": "bench", "password": PASSWORD, "next": "/console/"}
    async with session.post(f"{base}/console/sign-in", data=form, allow_redirects=False) as answer:
        assert answer.status == 303, await answer.text()
    return session


async def fetch(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str] | None = None
) -> tuple[float, int]:
    begin = time.perf_counter()
    async with session.get(url, headers=headers, allow_redirects=False) as answer:
        body = await answer.read()
        assert answer.status == 200, (url, answer.status, body[:200])
    return (time.perf_counter() - begin) * 1000.0, len(body)


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


async def main(rounds: int, per_round: int) -> None:
    logging.getLogger("monitord").setLevel(logging.ERROR)
    listener = await asyncio.start_server(lambda _r, w: w.close(), "127.0.0.1", 0)
    up_port = listener.sockets[0].getsockname()[1]
    closed = await asyncio.start_server(lambda _r, w: w.close(), "127.0.0.1", 0)
    down_port = closed.sockets[0].getsockname()[1]
    closed.close()
    await closed.wait_closed()
    with tempfile.TemporaryDirectory() as state_dir:
        daemon = Daemon(build_config(document(Path(state_dir), up_port, down_port)))
        task = asyncio.create_task(daemon.run())
        await asyncio.wait_for(daemon.started.wait(), 300)
        base = f"http://127.0.0.1:{daemon.http_port}"
        try:
            runtime = daemon.runtime
            assert runtime is not None
            deadline = time.monotonic() + 300
            while len(runtime.results.latest()) < TARGETS and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
            service = next(s for s in daemon.services if isinstance(s, AlertService))
            while time.monotonic() < deadline:
                firing = sum(1 for a in service.evaluator.alerts.values() if a.status == "firing")
                if firing >= TARGETS // DOWN_EVERY:
                    break
                await asyncio.sleep(0.5)
            await asyncio.sleep(2.0)  # the engine writes the tickets of the alerts that fired
            ticket_ids = await extra_tickets(service, TICKETS - TARGETS // DOWN_EVERY)
            await Accounts(runtime.state).add(
                "bench", "Bench Admin", "admin", PASSWORD, actor="bench", source="bench"
            )
            api = aiohttp.ClientSession()
            headers = auth(ADMIN_TOKEN)
            async with api.post(
                f"{base}/api/v1/ipam/subnets", json={"cidr": "10.9.0.0/24"}, headers=headers
            ) as r:
                subnet_id = (await r.json())["id"]
            for i in range(120):
                async with api.post(
                    f"{base}/api/v1/ipam/subnets/{subnet_id}/allocate",
                    json={"hostname": f"host-{i}"},
                    headers=headers,
                ) as r:
                    assert r.status == 201
            console = await signed_in(base)
            sizes: dict[str, int] = {}
            ticket_id = ticket_ids[len(ticket_ids) // 2]

            async def overview() -> float:
                ms, sizes["overview"] = await fetch(console, f"{base}/console/")
                return ms

            async def targets_json() -> float:
                ms, sizes["targets_json"] = await fetch(api, f"{base}/api/v1/targets", headers)
                return ms

            async def many(
                url: str, session: aiohttp.ClientSession, key: str, extra: dict[str, str] | None = None
            ) -> float:
                samples = []
                for _ in range(per_round):
                    ms, sizes[key] = await fetch(session, url, extra)
                    samples.append(ms)
                return p99(samples)

            samples = await ainterleave(
                {
                    "overview": overview,
                    "targets_json": targets_json,
                    "ticket": lambda: many(f"{base}/console/tickets/{ticket_id}", console, "ticket"),
                    "ticket_json": lambda: many(
                        f"{base}/api/v1/tickets/{ticket_id}", api, "ticket_json", headers
                    ),
                    "map": lambda: many(f"{base}/console/ipam/subnets/{subnet_id}", console, "map"),
                    "map_json": lambda: many(
                        f"{base}/api/v1/ipam/addresses?subnet_id={subnet_id}&limit=256",
                        api,
                        "map_json",
                        headers,
                    ),
                },
                rounds,
            )
            await console.close()
            await api.close()
        finally:
            daemon.request_stop()
            await task
            listener.close()
    med = sorted(samples["overview"])[len(samples["overview"]) // 2]
    figures = [
        Figure(
            "console_pages",
            "overview, 10,000 targets",
            "ms",
            "lower",
            samples["overview"],
            "GET /api/v1/targets",
            samples["targets_json"],
            f"<= {OVERVIEW_MS:g} ms",
            med <= OVERVIEW_MS,
            note=f"HTML {sizes['overview'] / 1000:.0f} KB (goal < {OVERVIEW_BYTES // 1000} KB); "
            f"the JSON of every target is {sizes['targets_json'] / 1000:.0f} KB",
        ),
        Figure(
            "console_pages",
            "overview HTML size",
            "KB",
            "lower",
            [sizes["overview"] / 1000],
            "JSON targets",
            [sizes["targets_json"] / 1000],
            f"< {OVERVIEW_BYTES // 1000} KB",
            sizes["overview"] < OVERVIEW_BYTES,
        ),
    ]
    for name, peer, what in (
        ("ticket", "ticket_json", "GET /api/v1/tickets/{id}"),
        ("map", "map_json", "GET /api/v1/ipam/addresses"),
    ):
        value = sorted(samples[name])[len(samples[name]) // 2]
        figures.append(
            Figure(
                "console_pages",
                f"{'ticket page' if name == 'ticket' else 'subnet map /24'} p99 of {per_round}",
                "ms",
                "lower",
                samples[name],
                what,
                samples[peer],
                f"p99 <= {P99_MS:g} ms",
                value <= P99_MS,
            )
        )
    report(f"Console pages ({TARGETS:,} targets, {TICKETS:,} tickets)", figures, rounds)


if __name__ == "__main__":
    options = parser(__doc__).parse_args()
    asyncio.run(main(rounds=3 if options.quick else 7, per_round=40 if options.quick else 100))
