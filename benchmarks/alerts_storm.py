"""Alert storm: 2,000 targets behind one site router go down together.

A real Daemon (SQLite state store, outbox, apprise ``json://`` to a loopback
receiver). Each round publishes one result per target on the result bus, in a
shuffled order; the first round has every child fail 0.3 s before the router (the
worst case: 2,000 tickets open, then merge into the router's). Three down rounds,
then three up rounds; the receiver counts messages. Goal: at most 3 messages for
the whole incident. Then the evaluation rate of the rule engine on its own (the
built-in rules, 2,001 targets, healthy and failing results mixed). Goal: >= 50,000
results/s. No peer evaluates our rule format; the ratio printed is against that goal.

    .venv/bin/python -m benchmarks.alerts_storm [--children 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path

from alerts.evaluator import Evaluator
from alerts.flapping import FlapPolicy
from alerts.rules import compile_rules, effective_rules
from monitord.config.loader import build_config
from monitord.daemon import Daemon
from monitord.results import ProbeResult, now_ns
from tests.servers.processes import free_port
from tests.servers.receiver import Receiver

SITE = "store-42"


def _result(target: str, ok: bool) -> ProbeResult:
    if ok:
        return ProbeResult(measurement="icmp", target=target, kind="icmp", time_ns=now_ns(), ok=True,
                           fields={"up": 1, "loss_pct": 0.0, "rtt_avg_ms": 1.2}, tags={"site": SITE})
    return ProbeResult.failure(measurement="icmp", target=target, kind="icmp", reason="timeout",
                               tags={"site": SITE}, fields={"loss_pct": 100.0})


def _targets(children: int) -> list[dict[str, object]]:
    targets: list[dict[str, object]] = [{"name": "router", "address": "127.0.0.1", "site": SITE}]
    targets += [{"name": f"till-{i}", "address": "127.0.0.1", "site": SITE, "parent": "router"}
                for i in range(children)]
    return targets


async def storm(children: int) -> None:
    receiver = Receiver(free_port())
    await receiver.up()
    names = ["router", *(f"till-{i}" for i in range(children))]
    with tempfile.TemporaryDirectory() as tmp:
        doc = {
            "daemon": {"state_dir": str(Path(tmp) / "state")},
            "http": {"listen": "127.0.0.1:0"},
            "targets": _targets(children),
            "alerts": {"evaluation_interval": "0.5s", "dependency_grace": "10s"},
            "notify": {"routes": [{"name": "oncall", "urls": [receiver.url()], "group_wait": "5s",
                                   "group_interval": "10s"}]},
        }
        daemon = Daemon(build_config(doc))
        task = asyncio.create_task(daemon.run())
        await asyncio.wait_for(daemon.started.wait(), 60)
        try:
            begin = time.monotonic()
            # Worst case first: every child is seen failing 0.3 s before its router.
            daemon.publish([_result(name, False) for name in random.sample(names[1:], children)])
            await asyncio.sleep(0.3)
            daemon.publish([_result("router", False)])
            await asyncio.sleep(0.7)
            for _ in range(2):
                order = random.sample(names, len(names))
                daemon.publish([_result(name, False) for name in order])
                await asyncio.sleep(1.0)
            await receiver.wait_for(1, 30)
            await asyncio.sleep(6.0)
            down_messages = len(receiver.messages)
            first = receiver.messages[0].at - begin if receiver.messages else float("nan")
            for _ in range(3):
                daemon.publish([_result(name, True) for name in random.sample(names, len(names))])
                await asyncio.sleep(1.0)
            await receiver.wait_for(down_messages + 1, 30)
            await asyncio.sleep(12.0)  # past group_interval and dependency_grace
        finally:
            daemon.request_stop()
            await task
    await receiver.down()
    total = len(receiver.messages)
    print(f"storm: {children} children + their router down together, 3 rounds, then back up")
    print(f"  messages while down: {down_messages}, in total: {total} (goal <= 3: "
          f"{'PASS' if total <= 3 else 'FAIL'}); first message after {first:.2f} s")
    for message in receiver.messages:
        print(f"    {message.title} | {message.body.splitlines()[0]}")


def evaluation_rate(children: int, rounds: int) -> None:
    loaded = build_config({"targets": _targets(children)})
    evaluator = Evaluator(compile_rules(effective_rules([], True, [])), loaded.targets,
                          FlapPolicy(), time.time())
    names = ["router", *(f"till-{i}" for i in range(children))]
    batches = []
    for r in range(rounds):
        failing = r % 4 == 1  # a quarter of the rounds the whole site is down
        batches.append([_result(name, not failing) for name in names])
    count = sum(len(b) for b in batches)
    begin = time.perf_counter()
    for batch in batches:
        evaluator.evaluate(batch)
        evaluator.take()
    elapsed = time.perf_counter() - begin
    rate = count / elapsed
    print(f"evaluation: {count} results ({len(evaluator.rules)} rules, a quarter failing) in "
          f"{elapsed:.2f} s = {rate:,.0f} results/s; ratio to the 50,000/s goal: {rate / 50_000:.1f}x "
          f"({'PASS' if rate >= 50_000 else 'FAIL'})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(storm(args.children))
    evaluation_rate(args.children, args.rounds)
