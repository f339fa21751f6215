"""The reserved-address rules, spelled out in exactly one place.

IPv4: the network and broadcast addresses are not assignable, except in a /31
(RFC 3021 point-to-point: both usable) and a /32 (the one host). IPv6: the
subnet-router anycast address (the all-zeros host part) is not assignable,
except in a /127 (RFC 6164: both usable) and a /128. Everything else that needs
"which addresses of this subnet may be handed out" asks :func:`usable_bounds`.
"""

from __future__ import annotations

from netaddr import IPNetwork


def usable_bounds(network: IPNetwork) -> tuple[int, int] | None:
    """First and last assignable address of ``network`` as integers; None if there are none."""
    first, last = int(network.first), int(network.last)
    prefix = int(network.prefixlen)
    if network.version == 4:
        if prefix >= 31:
            return first, last
        return first + 1, last - 1
    if prefix >= 127:
        return first, last
    return first + 1, last


def usable_count(network: IPNetwork) -> int:
    """How many addresses of ``network`` can be assigned."""
    bounds = usable_bounds(network)
    return 0 if bounds is None else bounds[1] - bounds[0] + 1


def reserved_reason(network: IPNetwork, value: int) -> str | None:
    """Why ``value`` (inside ``network``) may not be assigned, or None when it may."""
    bounds = usable_bounds(network)
    if bounds is not None and bounds[0] <= value <= bounds[1]:
        return None
    if network.version == 4:
        return "is the network address" if value == network.first else "is the broadcast address"
    return "is the subnet-router anycast address"
