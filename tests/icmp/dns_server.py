"""A tiny authoritative DNS server on 127.0.0.1 for resolver tests (real UDP, real wire format)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset


class DnsZone(asyncio.DatagramProtocol):
    """Answers A/AAAA from ``records`` ({(name, type): (address, ttl)}); NXDOMAIN otherwise."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], tuple[str, int]] = {}
        self.queries: list[tuple[str, str]] = []
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: Any) -> None:
        query = dns.message.from_wire(data)
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True)
        rdtype = dns.rdatatype.to_text(question.rdtype)
        self.queries.append((name, rdtype))
        response = dns.message.make_response(query)
        record = self.records.get((name, rdtype))
        if record is not None:
            address, ttl = record
            response.answer.append(dns.rrset.from_text(question.name, ttl, "IN", rdtype, address))
        elif not any(key[0] == name for key in self.records):
            response.set_rcode(dns.rcode.NXDOMAIN)
        assert self.transport is not None
        self.transport.sendto(response.to_wire(), addr)


@asynccontextmanager
async def dns_zone() -> AsyncIterator[tuple[DnsZone, int]]:
    """A running zone and its UDP port on 127.0.0.1."""
    loop = asyncio.get_running_loop()
    transport, zone = await loop.create_datagram_endpoint(DnsZone, local_addr=("127.0.0.1", 0))
    try:
        yield zone, transport.get_extra_info("sockname")[1]
    finally:
        transport.close()
