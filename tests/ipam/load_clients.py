"""A client process that fires allocation requests at a daemon and prints what it got, as JSON.

Used by the concurrency tests (several of these processes at once) and by
``benchmarks/ipam_http.py``. Usage::

    python -m tests.ipam.load_clients URL TOKEN SUBNET_ID COUNT CONCURRENCY [--key-prefix P]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

import aiohttp


async def fire(
    url: str, token: str, subnet_id: int, count: int, concurrency: int, key_prefix: str | None
) -> dict[str, Any]:
    results: list[tuple[int, str | None]] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)
    connector = aiohttp.TCPConnector(limit=concurrency)
    headers = {"Authorization": f"Bearer {token}"}
    endpoint = f"{url}/api/v1/ipam/subnets/{subnet_id}/allocate"

    async def worker(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            i = queue.get_nowait()
            extra = {"Idempotency-Key": f"{key_prefix}-{i}"} if key_prefix else {}
            async with session.post(
                endpoint, json={"hostname": f"load-{i}"}, headers={**headers, **extra}
            ) as response:
                body = await response.json()
                results.append((response.status, body.get("address")))

    begin = time.perf_counter()
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    return {"results": results, "seconds": time.perf_counter() - begin}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("token")
    parser.add_argument("subnet_id", type=int)
    parser.add_argument("count", type=int)
    parser.add_argument("concurrency", type=int)
    parser.add_argument("--key-prefix")
    args = parser.parse_args()
    out = asyncio.run(
        fire(args.url, args.token, args.subnet_id, args.count, args.concurrency, args.key_prefix)
    )
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
