"""Asynchronous name resolution for ICMP targets, cached for as long as the DNS TTL says.

``loop.getaddrinfo`` runs in a thread and hides the TTL, so a cache on top of it
would either hammer the resolver or keep stale addresses. dnspython's asyncio
resolver returns the TTL with each answer; ``/etc/hosts`` is read first (the way
the system resolver does), with its entries cached until the file changes.
A name that does not resolve raises ``NameNotResolved`` (callers turn it into a
failed result), and that negative answer is cached briefly too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import dns.asyncresolver
import dns.exception
import dns.resolver

from monitord.errors import MonitordError

Family = Literal["auto", "ipv4", "ipv6"]
HOSTS_FILE = "/etc/hosts"
NEGATIVE_TTL = 10.0
MIN_TTL = 1.0


class NameNotResolved(MonitordError, LookupError):
    """The name has no address of the wanted family (or the resolver failed)."""


@dataclass(frozen=True, slots=True)
class _Entry:
    address: str | None
    expires: float
    error: str | None = None


class Resolver:
    """Resolves target names to one IP literal; shared by all ICMP targets."""

    def __init__(
        self,
        nameservers: Sequence[str] | None = None,
        port: int = 53,
        lifetime: float = 3.0,
        hosts_file: str = HOSTS_FILE,
    ) -> None:
        self._nameservers = list(nameservers) if nameservers else None
        self._port = port
        self._lifetime = lifetime
        self._hosts_file = hosts_file
        self._hosts: dict[str, list[str]] = {}
        self._hosts_mtime: float | None = None
        self._dns: dns.asyncresolver.Resolver | None = None
        self._cache: dict[tuple[str, Family], _Entry] = {}
        self._literals: dict[str, tuple[str, int]] = {}  # parsing IPs showed up in profiles
        self._names: set[str] = set()
        self.queries = 0

    async def resolve(self, name: str, family: Family = "auto") -> str:
        """An IP literal for ``name`` (IPv4 first for ``auto``); raises ``NameNotResolved``."""
        try:
            ip = ipaddress.ip_address(name)
        except ValueError:
            pass
        else:
            if (family == "ipv4" and ip.version != 4) or (family == "ipv6" and ip.version != 6):
                raise NameNotResolved(f"{name}: not an {family} address")
            return str(ip)
        key = (name.lower().rstrip("."), family)
        now = time.monotonic()
        entry = self._cache.get(key)
        if entry is None or entry.expires <= now:
            entry = await self._lookup(key[0], family)
            self._cache[key] = entry
        if entry.address is None:
            raise NameNotResolved(f"name not resolved: {name}: {entry.error}")
        return entry.address

    def forget(self, name: str) -> None:
        self._literals.pop(name, None)
        self._names.discard(name)
        families: tuple[Family, ...] = ("auto", "ipv4", "ipv6")
        for family in families:
            self._cache.pop((name.lower().rstrip("."), family), None)

    async def _lookup(self, name: str, family: Family) -> _Entry:
        hosts = await self._read_hosts()
        versions = {"auto": (4, 6), "ipv4": (4,), "ipv6": (6,)}[family]
        for version in versions:
            for address in hosts.get(name, []):
                if ipaddress.ip_address(address).version == version:
                    return _Entry(address, time.monotonic() + 60.0)  # re-checked on file change
        if name == "invalid" or name.endswith(".invalid"):
            # RFC 6761 section 6.4: never sent to a DNS server, always NXDOMAIN.
            return _Entry(None, time.monotonic() + NEGATIVE_TTL, "no such name (NXDOMAIN)")
        resolver = await self._resolver()
        last_error = "no address"
        for version in versions:
            rdtype = "A" if version == 4 else "AAAA"
            self.queries += 1
            try:
                answer = await resolver.resolve(name, rdtype, lifetime=self._lifetime)
            except dns.resolver.NXDOMAIN:
                return _Entry(None, time.monotonic() + NEGATIVE_TTL, "no such name (NXDOMAIN)")
            except dns.resolver.NoAnswer:
                last_error = f"no {rdtype} record"
                continue
            except dns.exception.Timeout:
                last_error = "resolver timed out"
                continue
            except dns.exception.DNSException as exc:
                last_error = str(exc) or type(exc).__name__
                continue
            rrset = answer.rrset
            if rrset is None or not len(rrset):
                continue
            ttl = max(float(rrset.ttl), MIN_TTL)
            return _Entry(str(next(iter(rrset))), time.monotonic() + ttl)
        return _Entry(None, time.monotonic() + NEGATIVE_TTL, last_error)

    async def _resolver(self) -> dns.asyncresolver.Resolver:
        if self._dns is None:
            if self._nameservers is not None:
                resolver = dns.asyncresolver.Resolver(configure=False)
                resolver.nameservers = self._nameservers
                resolver.port = self._port
            else:
                # Reading /etc/resolv.conf is file I/O: keep it off the event loop.
                resolver = await asyncio.to_thread(dns.asyncresolver.Resolver)
            resolver.cache = None  # our cache holds what we need, with the TTL
            self._dns = resolver
        return self._dns

    async def _read_hosts(self) -> dict[str, list[str]]:
        try:
            mtime = (await asyncio.to_thread(os.stat, self._hosts_file)).st_mtime
        except OSError:
            return {}
        if mtime != self._hosts_mtime:
            self._hosts = await asyncio.to_thread(_parse_hosts, self._hosts_file)
            self._hosts_mtime = mtime
            self._cache = {
                key: entry
                for key, entry in self._cache.items()
                if entry.error is None and key[0] not in self._hosts
            }
        return self._hosts


def _literal(name: str) -> tuple[str, int] | None:
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        return None
    return str(ip), ip.version


def _parse_hosts(path: str) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    try:
        with open(path) as handle:
            lines = handle.read().splitlines()
    except OSError:
        return table
    for line in lines:
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2:
            continue
        try:
            address = str(ipaddress.ip_address(fields[0].split("%", 1)[0]))
        except ValueError:
            continue
        for name in fields[1:]:
            table.setdefault(name.lower().rstrip("."), []).append(address)
    return table
