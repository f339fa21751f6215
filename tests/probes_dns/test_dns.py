"""The dns probe against the suite's real DNS server (tests/icmp/dns_server.py) over UDP and TCP."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from monitord.cli.output import run_with_deadline
from monitord.results import ProbeResult
from probes.base import ProbeTarget
from probes.dns import DnsProbe, DnsSettings
from tests.icmp.dns_server import ZoneSigner, dns_zone
from tests.servers.processes import free_port


async def query(port: int, **settings: object) -> ProbeResult:
    values = {"port": port, "interval": 60, "timeout": 2, **settings}
    (result,) = await run_with_deadline(
        DnsProbe(),
        ProbeTarget(name="ns1", address="127.0.0.1", site="hq"),
        DnsSettings.model_validate(values),
    )
    return result


@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_expected_answer_over_udp_and_tcp(transport: str) -> None:
    async with dns_zone(tcp=True) as (zone, port):
        zone.records[("www.corp.example", "A")] = ("192.0.2.10", 300)
        result = await query(
            port, query_name="www.corp.example", transport=transport, expected_answers=["192.0.2.10"]
        )
    assert result.ok and result.reason is None, result
    assert result.fields["answer_ok"] == 1 and result.fields["answers"] == 1
    assert result.fields["rcode"] == "NOERROR"
    assert float(result.fields["latency_ms"]) > 0
    assert result.tags == {"site": "hq", "query": "www.corp.example", "qtype": "A", "transport": transport}
    assert zone.queries == [("www.corp.example", "A")]


async def test_a_wrong_answer_is_a_finding() -> None:
    async with dns_zone() as (zone, port):
        zone.records[("www.corp.example", "A")] = ("192.0.2.99", 300)
        result = await query(port, query_name="www.corp.example", expected_answers=["192.0.2.10"])
    assert result.ok and result.fields["up"] == 1 and result.fields["answer_ok"] == 0
    assert result.reason == "answer lacks 192.0.2.10"


async def test_rcode_expectations() -> None:
    async with dns_zone() as (_zone, port):
        nxdomain = await query(port, query_name="gone.corp.example")
        expected = await query(port, query_name="gone.corp.example", expected_rcodes=["nxdomain"])
    assert nxdomain.ok and nxdomain.fields["answer_ok"] == 0 and nxdomain.fields["rcode"] == "NXDOMAIN"
    assert nxdomain.reason == "rcode NXDOMAIN (expected NOERROR)"
    assert expected.fields["answer_ok"] == 1


async def test_aaaa_and_mx_answers_compare_as_records() -> None:
    async with dns_zone() as (zone, port):
        zone.records[("v6.corp.example", "AAAA")] = ("2001:db8:0::1", 60)
        zone.records[("corp.example", "MX")] = ("10 mail.corp.example.", 60)
        v6 = await query(
            port, query_name="v6.corp.example", query_type="aaaa", expected_answers=["2001:db8::1"]
        )
        mx = await query(
            port, query_name="corp.example", query_type="MX", expected_answers=["10 MAIL.corp.example."]
        )
    assert v6.fields["answer_ok"] == 1 and mx.fields["answer_ok"] == 1, (v6.reason, mx.reason)


async def test_a_silent_server_is_a_failed_run() -> None:
    async with dns_zone(tcp=True) as (zone, port):
        zone.silent = True
        udp = await query(port, query_name="www.corp.example", timeout=0.5)
    tcp = await query(free_port(), query_name="www.corp.example", transport="tcp")
    assert not udp.ok and udp.fields["up"] == 0 and udp.reason is not None
    assert not tcp.ok and tcp.reason is not None and tcp.reason.startswith("no answer"), tcp.reason


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"query_name": "a..b"}, "not a DNS name"),
        ({"query_name": "x", "query_type": "BOGUS"}, "unknown record type 'BOGUS'"),
        ({"query_name": "x", "expected_rcodes": ["WHAT"]}, "unknown rcode 'WHAT'"),
        (
            {"query_name": "x", "expected_answers": ["not-an-address"]},
            "expected_answers: 'not-an-address' is not A data",
        ),
        ({"query_name": "x", "transport": "quic"}, "transport"),
    ],
)
def test_settings_refuse_bad_values(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        DnsSettings.model_validate(values)
    assert message in str(caught.value)


def test_a_timeout_has_the_tags_of_every_other_run() -> None:
    """Regression: the scheduler's timeout result lacked the query tags, so a dns-down alert
    raised by timeouts never saw a recovery with the same identity and never resolved."""
    settings = DnsSettings.model_validate({"query_name": "erp.corp.example", "timeout": 1})
    target = ProbeTarget(name="ns1", address="127.0.0.1", site="hq")
    result = DnsProbe().timeout_result(target, settings)
    assert result.tags == DnsProbe().tags(target, settings)
    assert not result.ok and result.reason == "no answer within 1s"


async def test_dnssec_validate_against_a_trust_anchor() -> None:
    async with dns_zone(tcp=True) as (zone, port):
        zone.records[("erp.corp.example", "A")] = ("192.0.2.10", 60)
        zone.signer = ZoneSigner("corp.example")
        anchor = zone.signer.ds()
        good = await query(port, query_name="erp.corp.example", dnssec="validate", trust_anchors=[anchor])
        over_tcp = await query(
            port, query_name="erp.corp.example", dnssec="validate", trust_anchors=[anchor], transport="tcp"
        )
        other = ZoneSigner("corp.example")  # an anchor for another key: the zone is not trusted
        untrusted = await query(
            port, query_name="erp.corp.example", dnssec="validate", trust_anchors=[other.ds()]
        )
        zone.signer.tampered = True
        zone.records[("erp.corp.example", "A")] = ("192.0.2.66", 60)  # the old signature stays
        forged = await query(port, query_name="erp.corp.example", dnssec="validate", trust_anchors=[anchor])
        zone.signer = None
        unsigned = await query(port, query_name="erp.corp.example", dnssec="validate", trust_anchors=[anchor])
    assert good.fields["dnssec_valid"] == 1 and good.fields["answer_ok"] == 1, good.reason
    assert over_tcp.fields["dnssec_valid"] == 1, over_tcp.reason
    assert untrusted.fields["dnssec_valid"] == 0 and untrusted.fields["answer_ok"] == 0
    assert untrusted.reason == "DNSSEC: no DNSKEY of corp.example. matches a trust anchor"
    assert forged.fields["dnssec_valid"] == 0 and forged.reason is not None
    assert forged.reason.startswith("DNSSEC:"), forged.reason
    assert unsigned.fields["dnssec_valid"] == 0
    assert unsigned.reason == "DNSSEC: no signed answer (RRSIG missing)"


async def test_dnssec_ad_flag_from_a_validating_resolver() -> None:
    async with dns_zone() as (zone, port):
        zone.records[("erp.corp.example", "A")] = ("192.0.2.10", 60)
        without = await query(port, query_name="erp.corp.example", dnssec="ad")
        zone.authenticated = True
        with_ad = await query(port, query_name="erp.corp.example", dnssec="ad")
        off = await query(port, query_name="erp.corp.example")
    assert without.fields["dnssec_valid"] == 0 and without.reason == "answer not authenticated (no AD flag)"
    assert with_ad.fields["dnssec_valid"] == 1 and with_ad.fields["answer_ok"] == 1
    assert "dnssec_valid" not in off.fields


def test_dnssec_settings() -> None:
    with pytest.raises(ValidationError) as caught:
        DnsSettings.model_validate({"query_name": "x", "dnssec": "validate"})
    assert "dnssec: validate needs trust_anchors" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        DnsSettings.model_validate({"query_name": "x", "trust_anchors": ["corp.example. A 192.0.2.1"]})
    assert "expected 'ZONE DS ...' or 'ZONE DNSKEY ...'" in str(caught.value)
