"""Which target sent a datagram: its source address, looked up among the targets' addresses.

A target configured by IP address is found directly; one configured by host name
is resolved (``refresh``, on start, on reload and every ``resolve_every``) and
found by every address its name has. ``snmp_traps.senders`` maps addresses that
are no target's own (a device sending from a loopback or management address).
Senders without a target are refused: counted, and logged once per address
(``OnceLog``) until that address is accepted again.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Iterable, Mapping

from probes.base import ProbeTarget

log = logging.getLogger("monitord.snmp_traps")

RESOLVE_TIMEOUT = 5.0
RESOLVE_CONCURRENCY = 16
LOGGED_LIMIT = 10_000  # addresses remembered as "already logged"; past it, new ones are not logged


def normal_address(address: str) -> str:
    """``::ffff:192.0.2.1`` (a v4 sender on a v6 socket) -> ``192.0.2.1``; others unchanged."""
    if address.startswith("::ffff:"):
        try:
            mapped = ipaddress.IPv6Address(address).ipv4_mapped
        except ValueError:
            return address
        if mapped is not None:
            return str(mapped)
    return address


class SenderMap:
    """Source address -> target."""

    def __init__(self) -> None:
        self.targets: dict[str, ProbeTarget] = {}
        self._by_address: dict[str, str] = {}

    def lookup(self, address: str) -> ProbeTarget | None:
        name = self._by_address.get(address)
        return None if name is None else self.targets.get(name)

    async def refresh(self, targets: Iterable[ProbeTarget], explicit: Mapping[str, str]) -> list[str]:
        """Rebuild the map; returns the targets whose host name did not resolve."""
        by_name = {t.name: t for t in targets}
        by_address: dict[str, str] = {}
        names: list[ProbeTarget] = []
        for target in by_name.values():
            try:
                by_address.setdefault(str(ipaddress.ip_address(target.address)), target.name)
            except ValueError:
                names.append(target)
        failed: list[str] = []
        gate = asyncio.Semaphore(RESOLVE_CONCURRENCY)

        async def resolve(target: ProbeTarget) -> None:
            async with gate:
                try:
                    async with asyncio.timeout(RESOLVE_TIMEOUT):
                        infos = await asyncio.get_running_loop().getaddrinfo(
                            target.address, None, type=socket.SOCK_DGRAM
                        )
                except (OSError, TimeoutError):
                    failed.append(target.name)
                    return
            for info in infos:
                by_address.setdefault(normal_address(str(info[4][0])), target.name)

        if names:
            async with asyncio.TaskGroup() as group:
                for target in names:
                    group.create_task(resolve(target))
        for address, name in explicit.items():
            if name in by_name:
                by_address[address] = name
        self.targets = by_name
        self._by_address = by_address
        return sorted(failed)


class OnceLog:
    """Log each (sender, reason) refusal the first time only, and the sender's next acceptance."""

    def __init__(self, limit: int = LOGGED_LIMIT) -> None:
        self._refused: dict[str, set[str]] = {}  # address -> reasons logged
        self.limit = limit

    def refused(self, address: str, reason: str, detail: str) -> None:
        reasons = self._refused.get(address)
        if reasons is None:
            if len(self._refused) >= self.limit:
                return  # a flood of spoofed addresses: counted, not logged
            reasons = self._refused[address] = set()
        elif reason in reasons:
            return
        reasons.add(reason)
        log.warning("snmp traps from %s refused (%s): %s", address, reason, detail)

    def accepted(self, address: str, target: str) -> None:
        if self._refused.pop(address, None) is not None:
            log.info("snmp traps from %s accepted again (target %s)", address, target)
