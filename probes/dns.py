"""DNS probe: does a server answer a query, with the expected rcode and records, and how fast.

The target is the DNS server; ``query_name``/``query_type`` say what to ask, over UDP or
TCP (dnspython's async queries). As everywhere (docs/alert-rules.md): no answer at all
(timeout, refused, a reply that is not DNS) is a failed run, read by ``dns-down``; an
answer with an unexpected rcode or without the expected records is a finding on an
``ok`` run (``answer_ok=0``, ``reason`` says what), read by ``dns-wrong-answer``.

Optional DNSSEC (``monitord/dnssec.py``): ``ad`` trusts a validating resolver's AD flag,
``validate`` checks the signatures against a configured trust anchor. A failure is a wrong
answer too (``dnssec_valid=0``, ``answer_ok=0``).
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar, Literal

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
from pydantic import Field, field_validator, model_validator

from monitord.dnssec import authenticated, parse_anchor, validate
from monitord.results import FieldValue, ProbeResult, now_ns
from probes.base import ProbeKind, ProbeSettings, ProbeTarget
from probes.tcp import resolve

WRITES: dict[str, dict[str, str]] = {
    "dns": {
        "up": "number",
        "latency_ms": "number",
        "answers": "number",
        "answer_ok": "number",
        "rcode": "text",
        "dnssec_valid": "number",
    },
}


class DnsSettings(ProbeSettings):
    """What to ask the target server, and what a right answer is."""

    query_name: str = Field(min_length=1, max_length=255, description="the name to query")
    query_type: str = Field(default="A", description="record type: A, AAAA, MX, TXT, SOA, ...")
    transport: Literal["udp", "tcp"] = Field(default="udp", description="udp or tcp")
    port: int = Field(default=53, ge=1, le=65535, description="DNS server port")
    recursion_desired: bool = Field(default=True, description="set the RD flag (ask the server to recurse)")
    expected_rcodes: list[str] = Field(
        default_factory=lambda: ["NOERROR"], description="rcodes that count as right (NOERROR, NXDOMAIN, ...)"
    )
    expected_answers: list[str] = Field(
        default_factory=list, description="records (rdata text) that must all be in the answer"
    )
    dnssec: Literal["off", "ad", "validate"] = Field(
        default="off",
        description="ad: the resolver must set the AD flag; validate: check the "
        "signatures up to one of trust_anchors",
    )
    trust_anchors: list[str] = Field(
        default_factory=list, description="'ZONE DS ...' or 'ZONE DNSKEY ...' records (dnssec: validate)"
    )

    @field_validator("query_name")
    @classmethod
    def _name(cls, value: str) -> str:
        try:
            dns.name.from_text(value)
        except dns.exception.DNSException as exc:
            raise ValueError(f"not a DNS name: {exc}") from None
        return value

    @field_validator("query_type")
    @classmethod
    def _type(cls, value: str) -> str:
        try:
            return dns.rdatatype.to_text(dns.rdatatype.from_text(value.upper()))
        except dns.exception.DNSException:
            raise ValueError(f"unknown record type {value!r}") from None

    @field_validator("expected_rcodes")
    @classmethod
    def _rcodes(cls, value: list[str]) -> list[str]:
        names = []
        for text in value:
            try:
                names.append(dns.rcode.to_text(dns.rcode.from_text(text.upper())))
            except dns.exception.DNSException:
                raise ValueError(f"unknown rcode {text!r}") from None
        if not names:
            raise ValueError("at least one rcode")
        return names

    @field_validator("trust_anchors")
    @classmethod
    def _anchors(cls, value: list[str]) -> list[str]:
        for text in value:
            parse_anchor(text)
        return value

    @model_validator(mode="after")
    def _answers_parse(self) -> DnsSettings:
        if self.dnssec == "validate" and not self.trust_anchors:
            raise ValueError("dnssec: validate needs trust_anchors (the zone's DS or DNSKEY)")
        for text in self.expected_answers:
            try:
                self._rdata(text)
            except (dns.exception.DNSException, ValueError) as exc:
                raise ValueError(f"expected_answers: {text!r} is not {self.query_type} data: {exc}") from None
        return self

    def _rdata(self, text: str) -> dns.rdata.Rdata:
        return dns.rdata.from_text(
            dns.rdataclass.IN,
            dns.rdatatype.from_text(self.query_type),
            text,
            origin=dns.name.root,
            relativize=False,
        )

    def expected(self) -> list[tuple[str, dns.rdata.Rdata]]:
        return [(text, self._rdata(text)) for text in self.expected_answers]


def judge(response: dns.message.Message, settings: DnsSettings) -> tuple[int, list[str]]:
    """(records of the queried type in the answer, what is wrong with them)."""
    problems = []
    rcode = dns.rcode.to_text(response.rcode())
    if rcode not in settings.expected_rcodes:
        problems.append(f"rcode {rcode} (expected {', '.join(settings.expected_rcodes)})")
    wanted = dns.rdatatype.from_text(settings.query_type)
    found: list[Any] = [rdata for rrset in response.answer if rrset.rdtype == wanted for rdata in rrset]
    missing = [text for text, rdata in settings.expected() if rdata not in found]
    if missing:
        problems.append(f"answer lacks {', '.join(missing)}")
    return len(found), problems


class DnsProbe(ProbeKind[DnsSettings]):
    """Queries the target server once per interval."""

    name: ClassVar[str] = "dns"
    measurement: ClassVar[str] = "dns"
    settings_model: ClassVar[type[DnsSettings]] = DnsSettings
    default_concurrency: ClassVar[int] = 256

    def tags(self, target: ProbeTarget, settings: DnsSettings) -> dict[str, str]:
        """The series' tags: the query is part of its identity (and of its alerts')."""
        return {
            **target.base_tags(),
            "query": settings.query_name,
            "qtype": settings.query_type,
            "transport": settings.transport,
        }

    def timeout_result(self, target: ProbeTarget, settings: DnsSettings) -> ProbeResult:
        """The scheduler's deadline: the same tags as every other run, so alerts pair up."""
        return ProbeResult.failure(
            measurement=self.measurement,
            target=target.name,
            kind=self.name,
            reason=f"no answer within {settings.timeout:g}s",
            tags=self.tags(target, settings),
        )

    async def probe(self, target: ProbeTarget, settings: DnsSettings) -> ProbeResult:
        tags = self.tags(target, settings)
        started_ns = now_ns()
        query = dns.message.make_query(
            settings.query_name, settings.query_type, want_dnssec=settings.dnssec != "off"
        )
        if settings.dnssec == "ad":
            query.flags |= dns.flags.AD
        if not settings.recursion_desired:
            query.flags &= ~dns.flags.RD
        loop = asyncio.get_running_loop()
        try:
            server = (await resolve(target.address, settings.port))[1][0]
        except OSError as exc:
            return ProbeResult.failure(
                measurement=self.measurement,
                target=target.name,
                kind=self.name,
                reason=f"name not resolved: {exc.strerror or exc}",
                tags=tags,
                time_ns=started_ns,
            )

        async def ask(message: dns.message.Message) -> dns.message.Message:
            if settings.transport == "tcp":
                return await dns.asyncquery.tcp(message, server, timeout=settings.timeout, port=settings.port)
            return await dns.asyncquery.udp(
                message, server, timeout=settings.timeout, port=settings.port, raise_on_truncation=False
            )

        begin = loop.time()
        try:
            response = await ask(query)
            latency_ms = (loop.time() - begin) * 1000.0
            answers, problems = judge(response, settings)
            fields: dict[str, FieldValue] = {
                "up": 1,
                "latency_ms": latency_ms,
                "answers": answers,
                "rcode": dns.rcode.to_text(response.rcode()),
            }
            if settings.dnssec != "off":
                problem = (
                    authenticated(response)
                    if settings.dnssec == "ad"
                    else await validate(
                        response, query.question[0], ask, [parse_anchor(a) for a in settings.trust_anchors]
                    )
                )
                fields["dnssec_valid"] = 0 if problem else 1
                problems += [problem] if problem else []
        except dns.exception.Timeout:
            reason = f"no answer within {settings.timeout:g}s"
        except (OSError, EOFError) as exc:
            reason = f"no answer: {getattr(exc, 'strerror', None) or exc or 'connection closed'}"
        except dns.exception.DNSException as exc:
            reason = f"not a DNS answer: {exc}"
        else:
            fields["answer_ok"] = 0 if problems else 1
            return ProbeResult(
                measurement=self.measurement,
                target=target.name,
                kind=self.name,
                time_ns=started_ns,
                ok=True,
                reason="; ".join(problems) or None,
                tags=tags,
                fields=fields,
            )
        return ProbeResult.failure(
            measurement=self.measurement,
            target=target.name,
            kind=self.name,
            reason=reason,
            tags=tags,
            time_ns=started_ns,
        )
