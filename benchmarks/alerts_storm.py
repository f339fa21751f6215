"""Alert storm: 2,000 targets behind one site router go down together.

A real Daemon (SQLite state store, outbox, apprise ``json://`` to a loopback
receiver). Each round publishes one result per target on the result bus, in a
shuffled order; the first round has every child fail 0.3 s before the router (the
worst case: 2,000 tickets open, then merge into the router's). Three down rounds,
then three up rounds; the receiver counts messages. Goal: at most 3 messages for
the whole incident. Then the evaluation rate of the rule engine on its own (the
built-in rules, 2,001 targets, healthy and failing results mixed). Goal: >= 50,000
results/s. No peer evaluates our rule format; the ratio printed is against that goal.

    .venv/bin/python -m benchmarks.alerts_storm [--quick]
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from pathlib import Path

from alerts.evaluator import Evaluator
from alerts.flapping import FlapPolicy
from alerts.rules import compile_rules, effective_rules
from benchmarks.harness import Figure, parser, report
from monitord.config.loader import build_config
from monitord.daemon import Daemon
from monitord.results import ProbeResult, now_ns
from tests.servers.processes import free_port
from tests.servers.receiver import Receiver

SITE = "store-42"


def _result(target: str, ok: bool) -> ProbeResult:
    if ok:
        return ProbeResult(
            measurement="icmp",
            target=target,
            kind="icmp",
            time_ns=now_ns(),
            ok=True,
            fields={"up": 1, "loss_pct": 0.0, "rtt_avg_ms": 1.2},
            tags={"site": SITE},
        )
    return ProbeResult.failure(
        measurement="icmp",
        target=target,
        kind="icmp",
        reason="timeout",
        tags={"site": SITE},
        fields={"loss_pct": 100.0},
    )


def _targets(children: int) -> list[dict[str, object]]:
    targets: list[dict[str, object]] = [{"name": "router", "address": "127.0.0.1", "site": SITE}]
    targets += [
        {"name": f"till-{i}", "address": "127.0.0.1", "site": SITE, "parent": "router"}
        for i in range(children)
    ]
    return targets


async def storm(children: int) -> Figure:
    receiver = Receiver(free_port())
    await receiver.up()
    names = ["router", *(f"till-{i}" for i in range(children))]
    with tempfile.TemporaryDirectory() as tmp:
        doc = {
            "daemon": {"state_dir": str(Path(tmp) / "state")},
            "http": {"listen": "127.0.0.1:0"},
            "targets": _targets(children),
            "alerts": {"evaluation_interval": "0.5s", "dependency_grace": "10s"},
            "notify": {
                "routes": [
                    {"name": "oncall", "urls": [receiver.url()], "group_wait": "5s", "group_interval": "10s"}
                ]
            },
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
    for message in receiver.messages:
        print(f"    {message.title} | {message.body.splitlines()[0]}")
    figure = Figure(
        "alerts_storm",
        f"Alert storm: {children:,} children + router down, messages",
        "messages",
        "lower",
        [float(total)],
        goal="<= 3",
        note=f"{down_messages} while down; first message after {first:.2f} s; one incident",
    )
    figure.met = total <= 3
    return figure


def evaluation_rate(children: int, rounds: int, per_round: int = 10) -> Figure:
    loaded = build_config({"targets": _targets(children)})
    evaluator = Evaluator(
        compile_rules(effective_rules([], True, [])), loaded.targets, FlapPolicy(), time.time()
    )
    names = ["router", *(f"till-{i}" for i in range(children))]
    rates = []
    for r in range(rounds):
        batches = [
            [_result(name, (r * per_round + b) % 4 != 1) for name in names]  # a quarter failing
            for b in range(per_round)
        ]
        begin = time.perf_counter()
        for batch in batches:
            evaluator.evaluate(batch)
            evaluator.take()
        rates.append(sum(len(b) for b in batches) / (time.perf_counter() - begin))
    figure = Figure(
        "alerts_storm",
        f"Alert rule evaluation ({len(evaluator.rules)} built-in rules)",
        "results/s",
        "higher",
        rates,
        goal=">= 50,000/s",
        note="no peer evaluates this rule format; a quarter of the batches fail",
    )
    figure.met = figure.ours_median >= 50_000
    return figure


if __name__ == "__main__":
    quick = parser(__doc__).parse_args().quick
    figures = [asyncio.run(storm(2000)), evaluation_rate(2000, 5 if quick else 15)]
    report("alerts: storm of 2,000 children and the rule engine's evaluation rate", figures)
