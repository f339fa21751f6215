"""Name resolution against a real DNS server on loopback: TTL-honouring cache, failures as errors."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from monitord.icmp.resolver import NameNotResolved, Resolver
from tests.icmp.dns_server import dns_zone


def make_resolver(port: int, hosts: Path) -> Resolver:
    return Resolver(nameservers=["127.0.0.1"], port=port, lifetime=2.0, hosts_file=str(hosts))


async def test_answers_are_cached_for_their_ttl(tmp_path: Path) -> None:
    async with dns_zone() as (zone, port):
        zone.records[("pos1.store.test", "A")] = ("127.0.0.21", 1)
        resolver = make_resolver(port, tmp_path / "hosts")
        assert await resolver.resolve("pos1.store.test") == "127.0.0.21"
        zone.records[("pos1.store.test", "A")] = ("127.0.0.22", 1)
        assert await resolver.resolve("pos1.store.test") == "127.0.0.21"  # cached
        assert zone.queries == [("pos1.store.test", "A")]
        await asyncio.sleep(1.1)
        assert await resolver.resolve("pos1.store.test") == "127.0.0.22"  # TTL expired
        assert len(zone.queries) == 2


async def test_long_ttl_is_kept(tmp_path: Path) -> None:
    async with dns_zone() as (zone, port):
        zone.records[("router.test", "A")] = ("127.0.0.23", 3600)
        resolver = make_resolver(port, tmp_path / "hosts")
        for _ in range(5):
            assert await resolver.resolve("router.test") == "127.0.0.23"
        assert len(zone.queries) == 1


async def test_ipv6_only_name_and_family_choice(tmp_path: Path) -> None:
    async with dns_zone() as (zone, port):
        zone.records[("v6.test", "AAAA")] = ("::1", 60)
        resolver = make_resolver(port, tmp_path / "hosts")
        assert await resolver.resolve("v6.test") == "::1"  # auto: A missing, AAAA found
        with pytest.raises(NameNotResolved, match="no A record"):
            await resolver.resolve("v6.test", "ipv4")


async def test_unknown_name_is_a_lookup_error_naming_it(tmp_path: Path) -> None:
    async with dns_zone() as (_zone, port):
        resolver = make_resolver(port, tmp_path / "hosts")
        with pytest.raises(NameNotResolved) as caught:
            await resolver.resolve("missing.test")
        assert str(caught.value) == "name not resolved: missing.test: no such name (NXDOMAIN)"
        assert isinstance(caught.value, LookupError)


async def test_hosts_file_comes_first_and_is_reread_on_change(tmp_path: Path) -> None:
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.31 till1 till1.store.test  # front desk\n")
    async with dns_zone() as (zone, port):
        resolver = make_resolver(port, hosts)
        assert await resolver.resolve("TILL1") == "127.0.0.31"
        assert zone.queries == []
        hosts.write_text("127.0.0.32 till2\n")
        # The cache keeps till1 only until the file changes.
        resolver.forget("till1")
        with pytest.raises(NameNotResolved):
            await resolver.resolve("till1")
        assert await resolver.resolve("till2") == "127.0.0.32"


async def test_literals_skip_resolution(tmp_path: Path) -> None:
    resolver = Resolver(nameservers=["127.0.0.1"], port=9, hosts_file=str(tmp_path / "none"))
    assert await resolver.resolve("::0001") == "::1"
    with pytest.raises(NameNotResolved, match="not an ipv6 address"):
        await resolver.resolve("127.0.0.1", "ipv6")
    assert resolver.queries == 0


async def test_special_use_invalid_names_never_reach_a_server(tmp_path: Path) -> None:
    async with dns_zone() as (zone, port):
        resolver = make_resolver(port, tmp_path / "hosts")
        with pytest.raises(NameNotResolved, match="NXDOMAIN"):
            await resolver.resolve("till.invalid")
        assert zone.queries == []
