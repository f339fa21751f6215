"""DNSSEC checks for the dns probe: trust the resolver's AD flag, or validate against a trust anchor.

``validate`` checks a positive answer as a validating resolver would for one zone: the
answer's RRSIG verifies with the signer's DNSKEY set, that set is signed by one of its own
keys, and that key matches a configured trust anchor (a DS or DNSKEY record of the zone).
There is no walk to the root: the anchor is the island of trust, as a stub configured with
a zone's DS would have it. Negative answers (NSEC/NSEC3 proofs) are not validated.

Every function returns a problem text or None; nothing here raises for a bad answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import dns.dnssec
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

Query = Callable[[dns.message.Message], Awaitable[dns.message.Message]]


def parse_anchor(text: str) -> tuple[dns.name.Name, dns.rdata.Rdata]:
    """``zone. DS 12345 15 2 <hex>`` or ``zone. DNSKEY 257 3 15 <base64>``; ValueError naming why."""
    parts = text.split(None, 2)
    if len(parts) != 3 or parts[1].upper() not in ("DS", "DNSKEY"):
        raise ValueError(f"{text[:60]!r}: expected 'ZONE DS ...' or 'ZONE DNSKEY ...'")
    try:
        name = dns.name.from_text(parts[0])
        rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(parts[1].upper()), parts[2])
    except dns.exception.DNSException as exc:
        raise ValueError(f"{text[:60]!r}: {exc}") from None
    return name, rdata


def authenticated(response: dns.message.Message) -> str | None:
    """The ``ad`` mode: the (trusted, validating) resolver set the AD flag."""
    return None if response.flags & dns.flags.AD else "answer not authenticated (no AD flag)"


def _signed(
    response: dns.message.Message, name: dns.name.Name, rdtype: dns.rdatatype.RdataType
) -> tuple[dns.rrset.RRset, dns.rrset.RRset] | None:
    rrset = next((r for r in response.answer if r.name == name and r.rdtype == rdtype), None)
    sigs = next(
        (
            r
            for r in response.answer
            if r.name == name and r.rdtype == dns.rdatatype.RRSIG and r.covers == rdtype
        ),
        None,
    )
    return (rrset, sigs) if rrset is not None and sigs is not None else None


def _anchored(
    zone: dns.name.Name, keys: dns.rrset.RRset, anchors: list[tuple[dns.name.Name, dns.rdata.Rdata]]
) -> bool:
    for anchor_zone, anchor in anchors:
        if anchor_zone != zone:
            continue
        for key in keys:
            if anchor.rdtype == dns.rdatatype.DNSKEY and key == anchor:
                return True
            if anchor.rdtype == dns.rdatatype.DS:
                digest = anchor.digest_type  # type: ignore[attr-defined]
                if dns.dnssec.make_ds(zone, key, digest) == anchor:
                    return True
    return False


async def validate(
    response: dns.message.Message,
    question: dns.rrset.RRset,
    query: Query,
    anchors: list[tuple[dns.name.Name, dns.rdata.Rdata]],
    now: float | None = None,
) -> str | None:
    """Validate the answer to ``question`` (``query`` asks the same server for the DNSKEY set)."""
    signed = _signed(response, question.name, question.rdtype)
    if signed is None:
        return "DNSSEC: no signed answer (RRSIG missing)"
    rrset, sigs = signed
    signer = sigs[0].signer
    keys_query = dns.message.make_query(signer, dns.rdatatype.DNSKEY, want_dnssec=True)
    keys_response = await query(keys_query)
    signed_keys = _signed(keys_response, signer, dns.rdatatype.DNSKEY)
    if signed_keys is None:
        return f"DNSSEC: no signed DNSKEY set for {signer}"
    keys, key_sigs = signed_keys
    if not _anchored(signer, keys, anchors):
        return f"DNSSEC: no DNSKEY of {signer} matches a trust anchor"
    try:
        dns.dnssec.validate(keys, key_sigs, {signer: keys}, now=now)
        dns.dnssec.validate(rrset, sigs, {signer: keys}, now=now)
    except dns.exception.ValidationFailure as exc:
        return f"DNSSEC: {exc}"
    return None
