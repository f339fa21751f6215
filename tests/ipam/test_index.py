"""The free index and the reserved-address rules (pure logic, checked against a plain set model)."""

from __future__ import annotations

import random

from netaddr import IPNetwork

from monitord.ipam.index import FreeIndex
from monitord.ipam.reserved import reserved_reason, usable_bounds, usable_count


def test_reserved_rules_in_one_place() -> None:
    assert usable_bounds(IPNetwork("10.0.0.0/24")) == (
        int(IPNetwork("10.0.0.1/32").first),
        int(IPNetwork("10.0.0.254/32").first),
    )
    assert usable_count(IPNetwork("10.0.0.0/30")) == 2
    assert usable_count(IPNetwork("10.0.0.0/31")) == 2  # RFC 3021 point-to-point
    assert usable_count(IPNetwork("10.0.0.7/32")) == 1
    assert usable_count(IPNetwork("2001:db8::/126")) == 3  # no subnet-router anycast
    assert usable_count(IPNetwork("2001:db8::/127")) == 2  # RFC 6164
    assert usable_count(IPNetwork("2001:db8::/128")) == 1
    net = IPNetwork("10.0.0.0/24")
    assert reserved_reason(net, int(net.first)) == "is the network address"
    assert reserved_reason(net, int(net.last)) == "is the broadcast address"
    assert reserved_reason(net, int(net.first) + 1) is None
    v6 = IPNetwork("2001:db8::/64")
    assert reserved_reason(v6, int(v6.first)) == "is the subnet-router anycast address"
    assert reserved_reason(v6, int(v6.last)) is None


def test_index_matches_a_set_model_under_random_take_and_release() -> None:
    rng = random.Random(7)
    low, high = 1000, 1400
    used = set(rng.sample(range(low, high + 1), 150))
    blocked = (1100, 1120)
    index = FreeIndex(low, high, used, [blocked])
    model = {v for v in range(low, high + 1) if v not in used and not blocked[0] <= v <= blocked[1]}
    for _ in range(3000):
        value = rng.randrange(low - 5, high + 6)
        if rng.random() < 0.5:
            assert index.take(value) == (value in model)
            model.discard(value)
        elif not blocked[0] <= value <= blocked[1]:
            assert index.release(value) == (low <= value <= high and value not in model)
            if low <= value <= high:
                model.add(value)
        start = rng.randrange(low, high)
        expected = min((v for v in model if v >= start), default=None)
        assert index.next_free(start) == expected
        assert index.free_count == len(model)
    assert index.free_values(10_000) == sorted(model)
    assert [v for a, b in index.blocks() for v in range(a, b + 1)] == sorted(model)


def test_next_free_within_bounds_and_empty_index() -> None:
    index = FreeIndex(10, 20, used=[10, 11, 15])
    assert index.next_free() == 12
    assert index.next_free(15, 15) is None
    assert index.next_free(16, 30) == 16
    assert FreeIndex.empty().next_free() is None
    assert FreeIndex.empty().free_count == 0
