"""ARP sweeps through scapy, only on a subnet directly attached to a non-loopback interface.

ARP sees devices that drop ICMP and gives their MAC addresses (for MAC-change
findings). It is only meaningful on the local link, so a routed or loopback
subnet is never ARP-swept. scapy is synchronous: every call runs in a thread.
"""

from __future__ import annotations

import asyncio
import logging

from netaddr import IPNetwork

log = logging.getLogger("monitord.ipam.arp")


def attached_interface(network: IPNetwork) -> str | None:
    """The interface ``network`` is directly attached to, or None (routed, loopback, IPv6)."""
    if network.version != 4:
        return None
    import scapy.route  # noqa: F401  (fills conf.route)
    from scapy.config import conf

    probe = str(network.network + 1) if network.size > 1 else str(network.network)
    iface, source, gateway = conf.route.route(probe)
    name = str(getattr(iface, "name", iface))
    loopback = str(getattr(conf, "loopback_name", "lo"))
    if gateway != "0.0.0.0" or source in (None, "0.0.0.0") or name == loopback:
        return None
    return name


def _arping(network: IPNetwork, iface: str, timeout: float) -> dict[str, str]:
    from scapy.layers.l2 import arping

    answered, _unanswered = arping(str(network.cidr), iface=iface, timeout=max(1, round(timeout)),
                                   verbose=False)
    return {str(received.psrc): str(received.hwsrc).lower() for _sent, received in answered}


async def arp_sweep(network: IPNetwork, timeout: float) -> dict[str, str] | None:
    """``{address: mac}`` of everything answering ARP in ``network``; None when not attached."""
    iface = await asyncio.to_thread(attached_interface, network)
    if iface is None:
        return None
    try:
        return await asyncio.to_thread(_arping, network, iface, timeout)
    except OSError as exc:
        log.warning("ARP sweep of %s on %s failed: %s", network, iface, exc)
        return None
