"""Breach-to-delivery latency: first failing result -> the receiver holding the message.

A real Daemon (alert engine, SQLite state store, outbox, apprise ``json://``) and
a real aiohttp receiver on loopback. Rules use ``for: 0`` and the route
``group_wait: 0``; each sample is a different target (``group_by: [target]``) whose
failing result is published on the result bus exactly as the scheduler does.
The peer is apprise itself: the same message sent straight with
``Apprise.notify`` to the same receiver, i.e. the floor any engine on top of
apprise pays. Goal: p99 <= 1 s.

    .venv/bin/python -m benchmarks.alerts_latency [--samples 100]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from benchmarks.stats import percentile
from monitord.config.loader import build_config
from monitord.daemon import Daemon
from monitord.results import ProbeResult
from tests.servers.processes import free_port
from tests.servers.receiver import Receiver


def _failure(target: str) -> ProbeResult:
    return ProbeResult.failure(measurement="tcp", target=target, kind="tcp", reason="connection refused",
                               tags={"site": "bench", "port": "9"})


async def _direct_apprise(receiver: Receiver, samples: int) -> list[float]:
    from alerts.sender import send_blocking

    out = []
    for i in range(samples):
        begin = time.monotonic()
        ok = await asyncio.to_thread(send_blocking, receiver.url("direct"), f"t{i}", "body", "failure", 5)
        assert ok
        out.append(time.monotonic() - begin)
    return out


async def main(samples: int) -> None:
    receiver = Receiver(free_port())
    await receiver.up()
    with tempfile.TemporaryDirectory() as tmp:
        targets = [{"name": f"t{i}", "address": "127.0.0.1", "site": "bench"} for i in range(samples)]
        doc = {
            "daemon": {"state_dir": str(Path(tmp) / "state")},
            "http": {"listen": "127.0.0.1:0"},
            "targets": targets,
            "alerts": {"default_rules": False, "evaluation_interval": "1s", "rules": [
                {"name": "down", "kind": "tcp", "condition": "down", "for": 0, "severity": "critical"}]},
            "notify": {"routes": [{"name": "oncall", "urls": [receiver.url("engine")], "group_wait": 0,
                                   "group_by": ["target"]}]},
        }
        daemon = Daemon(build_config(doc))
        task = asyncio.create_task(daemon.run())
        await asyncio.wait_for(daemon.started.wait(), 30)
        latencies: list[float] = []
        try:
            for i in range(samples):
                count = len(receiver.messages)
                begin = time.monotonic()
                daemon.publish([_failure(f"t{i}")])
                await receiver.wait_for(count + 1, 10)
                if len(receiver.messages) <= count:
                    raise SystemExit(f"sample {i}: no message within 10 s")
                latencies.append(receiver.messages[count].at - begin)
                await asyncio.sleep(0.02)
        finally:
            daemon.request_stop()
            await task
    direct = await _direct_apprise(receiver, min(samples, 50))
    await receiver.down()
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    d50, d99 = percentile(direct, 50), percentile(direct, 99)
    print(f"breach-to-delivery over {samples} alerts (for: 0, group_wait: 0, SQLite state, json://):")
    print(f"  monitord        p50 {p50 * 1000:7.1f} ms   p99 {p99 * 1000:7.1f} ms   max "
          f"{max(latencies) * 1000:7.1f} ms")
    print(f"  apprise direct  p50 {d50 * 1000:7.1f} ms   p99 {d99 * 1000:7.1f} ms   (peer: send only)")
    print(f"  ratio monitord/apprise p99: {p99 / d99:.2f}x   goal p99 <= 1000 ms: "
          f"{'PASS' if p99 <= 1.0 else 'FAIL'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100)
    asyncio.run(main(parser.parse_args().samples))
