"""A tiny authoritative DNS server on 127.0.0.1 for resolver tests (real UDP, real wire format)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset


class DnsZone(asyncio.DatagramProtocol):
    """Answers A/AAAA from ``records`` ({(name, type): (address, ttl)}); NXDOMAIN otherwise."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], tuple[str, int]] = {}
        self.queries: list[tuple[str, str]] = []
        self.transport: asyncio.DatagramTransport | None = None
        self.silent = False  # True: queries go unanswered (a dead server, for down tests)
        self.authenticated = False  # True: answers carry the AD flag (a validating resolver)
        self.signer: ZoneSigner | None = None  # set: DNSSEC-signed answers for DO queries

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: Any) -> None:
        assert self.transport is not None
        if self.silent:
            return
        self.transport.sendto(self.answer(data), addr)

    def answer(self, data: bytes) -> bytes:
        """The wire answer to the wire query ``data`` (the same over UDP and TCP)."""
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
        if self.authenticated:
            response.flags |= dns.flags.AD
        if self.signer is not None and query.ednsflags & dns.flags.DO:
            self.signer.sign(question.name, question.rdtype, response)
        return response.to_wire()

    async def serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """RFC 1035 TCP framing: a two-byte length before each message."""
        try:
            async with asyncio.timeout(10):
                while not self.silent and (size := await reader.read(2)):
                    data = await reader.readexactly(int.from_bytes(size.rjust(2, b"\0"), "big"))
                    wire = self.answer(data)
                    writer.write(len(wire).to_bytes(2, "big") + wire)
                    await writer.drain()
        except (OSError, TimeoutError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


class ZoneSigner:
    """Signs answers of one zone with an Ed25519 key (made here) and serves its DNSKEY set.

    ``tampered`` re-signs nothing after a record changes: the old signature no longer
    matches, as with a forged answer.
    """

    def __init__(self, zone: str) -> None:
        from cryptography.hazmat.primitives.asymmetric import ed25519

        self.zone = dns.name.from_text(zone)
        self.key = ed25519.Ed25519PrivateKey.generate()
        self.dnskey = dns.dnssec.make_dnskey(self.key.public_key(), "ED25519", flags=257)
        self.keys = dns.rrset.from_rdata(self.zone, 3600, self.dnskey)
        self.frozen: dict[tuple[str, int], Any] = {}
        self.tampered = False

    def ds(self) -> str:
        """The trust anchor a probe is configured with: ``zone. DS ...``."""
        return f"{self.zone} DS {dns.dnssec.make_ds(self.zone, self.dnskey, 'SHA256')}"

    def _rrsig(self, rrset: dns.rrset.RRset) -> dns.rrset.RRset:
        key = (rrset.name.to_text(), rrset.rdtype)
        if self.tampered and key in self.frozen:
            return self.frozen[key]  # type: ignore[no-any-return]
        rrsig = dns.dnssec.sign(rrset, self.key, self.zone, self.dnskey, lifetime=3600)
        signed = dns.rrset.from_rdata(rrset.name, rrset.ttl, rrsig)
        self.frozen[key] = signed
        return signed

    def sign(self, name: dns.name.Name, rdtype: int, response: dns.message.Message) -> None:
        if name == self.zone and rdtype == dns.rdatatype.DNSKEY:
            response.set_rcode(dns.rcode.NOERROR)
            response.answer = [self.keys]
        for rrset in list(response.answer):
            if rrset.rdtype != dns.rdatatype.RRSIG:
                response.answer.append(self._rrsig(rrset))


@asynccontextmanager
async def dns_zone(tcp: bool = False) -> AsyncIterator[tuple[DnsZone, int]]:
    """A running zone and its UDP port on 127.0.0.1 (with ``tcp``, also TCP on the same port)."""
    loop = asyncio.get_running_loop()
    for _attempt in range(20):  # the UDP port's TCP twin may be taken: try another pair
        transport, zone = await loop.create_datagram_endpoint(DnsZone, local_addr=("127.0.0.1", 0))
        port = transport.get_extra_info("sockname")[1]
        try:
            server = await asyncio.start_server(zone.serve_tcp, "127.0.0.1", port) if tcp else None
            break
        except OSError:
            transport.close()
    else:
        raise OSError("no UDP and TCP port pair free on 127.0.0.1")
    try:
        yield zone, port
    finally:
        transport.close()
        if server is not None:
            server.close()
            await server.wait_closed()
