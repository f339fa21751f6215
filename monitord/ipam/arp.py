"""ARP sweeps, only on a subnet directly attached to a non-loopback interface.

ARP sees devices that drop ICMP and gives their MAC addresses (for MAC-change
findings). It is only meaningful on the local link, so a routed or loopback
subnet is never ARP-swept.

The route lookup (scapy's netlink reader) and the sweep (a raw ``AF_PACKET``
socket, frames built and parsed by scapy) are both made in the thread that runs
the sweep and touch none of scapy's process-wide caches, so they see that
thread's network namespace. Tests use this to sweep a veth link inside a
namespace they created (``use_sweep_context``). Everything is synchronous and
runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import select
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

from netaddr import IPAddress, IPNetwork

log = logging.getLogger("monitord.ipam.arp")

ETH_P_ARP = 0x0806
BROADCAST = "ff:ff:ff:ff:ff:ff"
MAX_REPLIES = 1 << 17  # frames read per sweep at most, whatever arrives

SweepContext = Callable[[], AbstractContextManager[None]]
_context: SweepContext = contextlib.nullcontext


@contextlib.contextmanager
def use_sweep_context(context: SweepContext) -> Iterator[None]:
    """Run ARP sweeps started inside the block within ``context()`` (tests: a lab namespace)."""
    global _context  # noqa: PLW0603 - a deliberate, scoped injection point (as icmp.sockets)
    previous, _context = _context, context
    try:
        yield
    finally:
        _context = previous


def attached_interface(network: IPNetwork) -> tuple[str, str] | None:
    """``(interface, our address on it)`` when ``network`` is directly attached, else None
    (routed, loopback, IPv6). Reads the routes of the calling thread's namespace."""
    if network.version != 4:
        return None
    from scapy.arch import read_routes

    best: tuple[int, str, str] | None = None
    for net, mask, gateway, iface, source, _metric in read_routes():
        prefixlen = bin(mask).count("1")
        if gateway != "0.0.0.0" or iface in ("lo", "") or prefixlen > network.prefixlen:
            continue
        if int(network.first) & mask != net or source in ("0.0.0.0", ""):
            continue
        if best is None or prefixlen > best[0]:
            best = (prefixlen, iface, source)
    return None if best is None else (best[1], best[2])


def _arping(network: IPNetwork, iface: str, source: str, timeout: float) -> dict[str, str]:
    """One ARP request per address of ``network``; ``{address: mac}`` of the replies."""
    from scapy.layers.l2 import ARP, Ether

    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP)) as sock:
        sock.bind((iface, ETH_P_ARP))
        mac = ":".join(f"{b:02x}" for b in sock.getsockname()[4][:6])
        for value in range(int(network.first), int(network.last) + 1):
            target = str(IPAddress(value, 4))
            if target == source:
                continue
            frame = Ether(dst=BROADCAST, src=mac) / ARP(op=1, hwsrc=mac, psrc=source, pdst=target)
            sock.send(bytes(frame))
        found: dict[str, str] = {}
        deadline = time.monotonic() + timeout
        for _ in range(MAX_REPLIES):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([sock], [], [], remaining)[0]:
                break
            reply = Ether(sock.recv(2048))
            if ARP not in reply or reply[ARP].op != 2 or reply[ARP].pdst != source:
                continue
            sender = str(reply[ARP].psrc)
            if IPAddress(sender) in network:
                found[sender] = str(reply[ARP].hwsrc).lower()
        return found


def _sweep(network: IPNetwork, timeout: float) -> dict[str, str] | None:
    with _context():
        attached = attached_interface(network)
        if attached is None:
            return None
        return _arping(network, attached[0], attached[1], max(timeout, 0.1))


async def arp_sweep(network: IPNetwork, timeout: float) -> dict[str, str] | None:
    """``{address: mac}`` of everything answering ARP in ``network``; None when not attached."""
    try:
        return await asyncio.to_thread(_sweep, network, timeout)
    except OSError as exc:
        log.warning("ARP sweep of %s failed: %s", network, exc)
        return None
