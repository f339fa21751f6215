"""Breach-to-delivery latency: first failing result -> the receiver holding the message.

A real Daemon (alert engine, SQLite state store, outbox, apprise ``json://``) and
a real aiohttp receiver on loopback. Rules use ``for: 0`` and the route
``group_wait: 0``; each sample is a different target (``group_by: [target]``) whose
failing result is published on the result bus exactly as the scheduler does.
The peer is apprise itself: the same message sent straight with
``Apprise.notify`` to the same receiver, i.e. the floor any engine on top of
apprise pays. Both sides are timed to the message's arrival at the receiver (the
earlier version timed the peer only to ``notify()`` returning); samples alternate.
Goal: p99 <= 1 s.

    .venv/bin/python -m benchmarks.alerts_latency [--quick]
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from benchmarks.harness import Figure, ainterleave, parser, report
from benchmarks.stats import percentile
from monitord.config.loader import build_config
from monitord.daemon import Daemon
from monitord.results import ProbeResult
from tests.servers.processes import free_port
from tests.servers.receiver import Receiver


def _failure(target: str) -> ProbeResult:
    return ProbeResult.failure(
        measurement="tcp",
        target=target,
        kind="tcp",
        reason="connection refused",
        tags={"site": "bench", "port": "9"},
    )


async def main(samples: int) -> None:
    from alerts.sender import send_blocking

    receiver = Receiver(free_port())
    await receiver.up()
    with tempfile.TemporaryDirectory() as tmp:
        targets = [{"name": f"t{i}", "address": "127.0.0.1", "site": "bench"} for i in range(samples + 1)]
        doc = {
            "daemon": {"state_dir": str(Path(tmp) / "state")},
            "http": {"listen": "127.0.0.1:0"},
            "targets": targets,
            "alerts": {
                "default_rules": False,
                "evaluation_interval": "1s",
                "rules": [
                    {"name": "down", "kind": "tcp", "condition": "down", "for": 0, "severity": "critical"}
                ],
            },
            "notify": {
                "routes": [
                    {
                        "name": "oncall",
                        "urls": [receiver.url("engine")],
                        "group_wait": 0,
                        "group_by": ["target"],
                    }
                ]
            },
        }
        daemon = Daemon(build_config(doc))
        task = asyncio.create_task(daemon.run())
        await asyncio.wait_for(daemon.started.wait(), 30)
        sample = [0]

        async def arrival(send: Callable[[], Awaitable[object]]) -> float:
            count = len(receiver.messages)
            begin = time.monotonic()
            await send()
            await receiver.wait_for(count + 1, 10)
            if len(receiver.messages) <= count:
                raise SystemExit(f"sample {sample[0]}: no message within 10 s")
            await asyncio.sleep(0.02)
            return (receiver.messages[count].at - begin) * 1000

        async def ours() -> float:
            sample[0] += 1

            async def publish() -> None:
                daemon.publish([_failure(f"t{sample[0]}")])

            return await arrival(publish)

        async def peer() -> float:
            async def send() -> None:
                ok = await asyncio.to_thread(
                    send_blocking, receiver.url("direct"), f"t{sample[0]}", "body", "failure", 5
                )
                assert ok

            return await arrival(send)

        try:
            found = await ainterleave({"monitord": ours, "apprise": peer}, samples, warmup=0)
        finally:
            daemon.request_stop()
            await task
    await receiver.down()
    p99, d99 = percentile(found["monitord"], 99), percentile(found["apprise"], 99)
    figure = Figure(
        "alerts_latency",
        "Alert breach to receiver arrival (for: 0, group_wait: 0)",
        "ms",
        "lower",
        found["monitord"],
        "apprise notify() direct",
        found["apprise"],
        goal="p99 <= 1,000 ms",
        note=f"p99 monitord {p99:.1f} ms, apprise direct {d99:.1f} ms; both timed to the receiver's arrival",
    )
    figure.met = p99 <= 1000
    report(f"breach-to-delivery, {samples} alerts each side (SQLite state, json://)", [figure], samples)


if __name__ == "__main__":
    quick = parser(__doc__).parse_args().quick
    asyncio.run(main(20 if quick else 100))
