"""A process that allocates straight against the state database (no HTTP, no shared memory).

Several of these at once prove the database, not an in-process lock, keeps
addresses unique. Prints the addresses it got (and how many 409s) as JSON::

    python -m tests.ipam.direct_allocators STATE_URL SUBNET_ID COUNT CONCURRENCY NAME
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path

from monitord.errors import ConflictError
from monitord.ipam.allocator import Allocator
from monitord.ipam.choice import AddressRequest
from monitord.store.engine import StateStore


async def run(url: str, subnet_id: int, count: int, concurrency: int, name: str) -> dict[str, object]:
    store = await StateStore.open(url, Path(tempfile.gettempdir()), migrate=False)
    allocator = Allocator(store.engine)
    got: list[str] = []
    conflicts = 0
    semaphore = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        nonlocal conflicts
        async with semaphore:
            try:
                result = await allocator.allocate(subnet_id, AddressRequest(hostname=f"{name}-{i}"), name)
            except ConflictError:
                conflicts += 1
                return
            got.append(result.address["address"])

    try:
        await asyncio.gather(*(one(i) for i in range(count)))
    finally:
        await store.close()
    return {"addresses": got, "conflicts": conflicts}


def main() -> int:
    url, subnet_id, count, concurrency, name = sys.argv[1:6]
    json.dump(asyncio.run(run(url, int(subnet_id), int(count), int(concurrency), name)), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
