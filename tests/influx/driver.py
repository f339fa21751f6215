"""A writer process for the SIGKILL test: feeds the real sink numbered points at a steady rate.

After each ``write`` returns (the batch is delivered or durably spooled) it
prints ``acked FIRST LAST``, so the test knows exactly what was acknowledged
before it kills the process. With ``--drain`` it stops writing after
``--duration`` seconds and waits for the spool to empty before a clean stop.

    python -m tests.influx.driver --url URL --database DB --state-dir DIR \
        --start 0 --rate 1200 --duration 60 --base-ms MS [--drain]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from prometheus_client import CollectorRegistry

from monitord.sinks.influx.sink import InfluxSink
from tests.influx.feed import influx_config, sequence_results

MEASUREMENT = "killtest"


async def run(args: argparse.Namespace) -> None:
    config = influx_config(args.url, api="v1", database=args.database, retry_max=1.0)
    sink = InfluxSink(config, Path(args.state_dir), CollectorRegistry())
    await sink.start()
    print("started", flush=True)
    per_tick = max(1, args.rate // 10)
    seq = args.start
    loop = asyncio.get_running_loop()
    begin = loop.time()
    try:
        while loop.time() - begin < args.duration:
            tick = loop.time()
            batch = sequence_results(MEASUREMENT, seq, per_tick, base_ms=args.base_ms)
            await sink.write(batch)
            print(f"acked {seq} {seq + per_tick - 1}", flush=True)
            seq += per_tick
            await asyncio.sleep(max(0.0, 0.1 - (loop.time() - tick)))
        if args.drain:
            deadline = time.monotonic() + 90
            while sink.spool.points and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
    finally:
        await sink.stop()
    print(f"stopped spool={sink.spool.points}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--rate", type=int, default=1200)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--base-ms", type=int, required=True)
    parser.add_argument("--drain", action="store_true")
    asyncio.run(run(parser.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
