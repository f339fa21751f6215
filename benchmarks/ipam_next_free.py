"""Next-free lookup in a fragmented /16: monitord's free index vs netaddr IPSet (the NetBox way).

A /16 with 60,000 addresses allocated at random. The peer computes free space
as ``IPSet(prefix) - IPSet(used)`` and takes its first address, as NetBox's
``get_available_ips`` does; monitord's ``FreeIndex`` answers with a binary
search over free intervals. Both then mark the address used, so every timed
step is a complete next-free allocation decision. Target: < 1 ms per lookup.

    .venv/bin/python -m benchmarks.ipam_next_free
"""

from __future__ import annotations

import random
import statistics
import time

from netaddr import IPNetwork, IPSet

from monitord.ipam.index import FreeIndex
from monitord.ipam.reserved import usable_bounds

ALLOCATED = 60_000
ROUNDS_INDEX = 2000
ROUNDS_IPSET = 20


def main() -> None:
    network = IPNetwork("10.128.0.0/16")
    low, high = usable_bounds(network) or (0, -1)
    rng = random.Random(16)
    used = rng.sample(range(low, high + 1), ALLOCATED)

    begin = time.perf_counter()
    index = FreeIndex(low, high, used)
    build_ms = (time.perf_counter() - begin) * 1000

    samples = []
    for _ in range(ROUNDS_INDEX):
        t0 = time.perf_counter()
        value = index.next_free()
        assert value is not None
        index.take(value)
        samples.append(time.perf_counter() - t0)
    index_us = statistics.median(samples) * 1e6
    index_p99 = sorted(samples)[int(len(samples) * 0.99)] * 1e6

    prefix = IPSet([network])
    taken = IPSet()
    for value in used:
        taken.add(value)
    peer = []
    for _ in range(ROUNDS_IPSET):
        t0 = time.perf_counter()
        free = prefix - taken
        first = next(iter(free.iter_cidrs()))
        address = first.first if first.first != network.first else first.first + 1
        taken.add(address)
        peer.append(time.perf_counter() - t0)
    ipset_us = statistics.median(peer) * 1e6

    # A kinder peer: keep the free IPSet between allocations and remove what is handed out.
    free = prefix - taken
    kept = []
    for _ in range(ROUNDS_IPSET * 5):
        t0 = time.perf_counter()
        first = next(iter(free.iter_cidrs()))
        address = first.first if first.first != network.first else first.first + 1
        free.remove(address)
        kept.append(time.perf_counter() - t0)
    kept_us = statistics.median(kept) * 1e6

    free_before = index.free_count + ROUNDS_INDEX
    print(f"fragmented /16, {ALLOCATED} addresses allocated at random (free: {free_before})")
    print(f"monitord FreeIndex build from rows:     {build_ms:8.1f} ms (once per subnet generation)")
    print(f"monitord FreeIndex next-free + take:    {index_us:8.2f} us median, {index_p99:.2f} us p99 "
          f"({ROUNDS_INDEX} allocations)")
    print(f"netaddr IPSet(prefix) - IPSet(used):    {ipset_us:8.2f} us median ({ROUNDS_IPSET} allocations)")
    print(f"netaddr free IPSet kept, .remove(addr): {kept_us:8.2f} us median "
          f"({ROUNDS_IPSET * 5} allocations)")
    print(f"ratio (IPSet recomputed / FreeIndex):   {ipset_us / index_us:8.0f}x")
    print(f"ratio (IPSet kept / FreeIndex):         {kept_us / index_us:8.0f}x")
    print(f"target next-free < 1 ms:                {'MET' if index_us < 1000 else 'MISSED'}")


if __name__ == "__main__":
    main()
