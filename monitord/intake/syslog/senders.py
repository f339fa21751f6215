"""Which target a message belongs to: by the sender's address, or by its HOSTNAME field.

By address, strongest first: ``syslog.senders`` (NAT, a second interface), then a
target whose ``address`` is that IP literal, then one whose host name resolved to it
(``resolve``, repeated every ``resolve_every``). By hostname: the message's HOSTNAME,
case-insensitive, against target names and addresses, then its first
label (``sw1`` of ``sw1.corp.example``). ``match`` orders the two; behind a relay
(every message from the relay's address) hostname goes first. Where two targets
share an address or a name, the first in the file wins.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from monitord.config.loader import LoadedConfig

log = logging.getLogger("monitord.syslog")

RESOLVE_TIMEOUT = 5.0


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def normalise(address: str) -> str:
    """``::ffff:192.0.2.1`` (an IPv4 sender on a dual-stack socket) -> ``192.0.2.1``."""
    if address.startswith("::ffff:") and "." in address:
        return address[7:]
    return address


@dataclass
class SenderMap:
    """The lookup tables for one configuration (rebuilt on reload and after resolving)."""

    hostname_first: bool = False
    use_address: bool = True
    use_hostname: bool = True
    by_address: dict[str, str] = field(default_factory=dict)
    by_name: dict[bytes, str] = field(default_factory=dict)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)  # target -> result tags
    hostnames: dict[str, str] = field(default_factory=dict)  # host name -> first target with it

    @classmethod
    def build(cls, loaded: LoadedConfig, resolved: Mapping[str, Iterable[str]] | None = None) -> SenderMap:
        config = loaded.config.syslog
        made = cls(
            hostname_first=config.match[0] == "hostname",
            use_address="address" in config.match,
            use_hostname="hostname" in config.match,
        )
        literal: dict[str, str] = {}
        for item in loaded.targets:
            target = item.target
            made.tags[target.name] = target.base_tags()
            made.by_name.setdefault(target.name.lower().encode(), target.name)
            made.by_name.setdefault(target.address.lower().rstrip(".").encode(), target.name)
            if _is_ip(target.address):
                literal.setdefault(target.address, target.name)
            else:
                made.hostnames.setdefault(target.address, target.name)
        by_address: dict[str, str] = {}
        for hostname, addresses in (resolved or {}).items():
            name = made.hostnames.get(hostname)
            if name is not None:
                for address in addresses:
                    by_address.setdefault(address, name)
        by_address.update(literal)  # a literal address beats a resolved one
        by_address.update(config.senders)  # and the explicit map beats both
        made.by_address = by_address
        return made

    def target_of(self, sender: str, hostname: bytes | None) -> str | None:
        """The target name of a message from ``sender`` carrying ``hostname``, or None."""
        if self.hostname_first:
            found = self._by_hostname(hostname) if hostname is not None else None
            if found is None and self.use_address:
                found = self.by_address.get(sender)
            return found
        found = self.by_address.get(sender) if self.use_address else None
        if found is None and hostname is not None and self.use_hostname:
            found = self._by_hostname(hostname)
        return found

    def _by_hostname(self, hostname: bytes) -> str | None:
        found = self.by_name.get(hostname)  # most senders write their name in lower case
        if found is not None:
            return found
        key = hostname.lower()
        found = self.by_name.get(key)
        if found is None:
            dot = key.find(b".")
            if dot > 0 and not key[:dot].isdigit():
                found = self.by_name.get(key[:dot])
        return found


async def resolve(hostnames: Iterable[str]) -> dict[str, list[str]]:
    """Each host name's addresses (A and AAAA); a name that does not resolve is left out."""
    loop = asyncio.get_running_loop()

    async def one(name: str) -> tuple[str, list[str]]:
        try:
            async with asyncio.timeout(RESOLVE_TIMEOUT):
                infos = await loop.getaddrinfo(name, None, type=socket.SOCK_DGRAM)
        except (OSError, TimeoutError) as exc:
            log.debug("syslog: cannot resolve %s: %s", name, exc)
            return name, []
        return name, sorted({normalise(str(info[4][0])) for info in infos})

    found: dict[str, list[str]] = {}
    names = sorted(set(hostnames))
    for start in range(0, len(names), 32):  # at most 32 lookups in flight
        for name, addresses in await asyncio.gather(*(one(n) for n in names[start : start + 32])):
            if addresses:
                found[name] = addresses
    return found
