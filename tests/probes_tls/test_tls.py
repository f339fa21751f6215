"""The tls probe against real TLS services: aiosmtpd SMTPS and STARTTLS, IMAP STARTTLS, implicit TLS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from monitord.cli.output import run_with_deadline
from monitord.results import ProbeResult
from probes.base import ProbeTarget
from probes.tls import TlsProbe, TlsSettings
from tests.probes_tls.servers import imap_starttls, implicit_tls, smtp_server
from tests.servers.certificates import Pki
from tests.servers.processes import free_port


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pki]:
    yield Pki(tmp_path_factory.mktemp("pki"))


async def tls_check(port: int, ca: Path | None, **settings: object) -> ProbeResult:
    values = {"port": port, "interval": 60, "timeout": 10, "ca_file": str(ca) if ca else None, **settings}
    (result,) = await run_with_deadline(
        TlsProbe(),
        ProbeTarget(name="mail", address="127.0.0.1", site="hq"),
        TlsSettings.model_validate(values),
    )
    return result


async def test_smtp_starttls_with_aiosmtpd(pki: Pki) -> None:
    with smtp_server(pki.leaf("mail", days=30), implicit=False) as port:
        result = await tls_check(port, pki.ca, starttls="smtp")
    assert (result.measurement, result.kind, result.ok, result.reason) == ("tls", "tls", True, None)
    assert result.fields["cert_valid"] == 1 and 29.9 < float(result.fields["cert_days_left"]) < 30.1
    assert result.fields["issuer"] == "monitord test CA" and result.tags["port"] == str(port)
    assert float(result.fields["connect_ms"]) >= 0 and float(result.fields["handshake_ms"]) > 0


async def test_smtps_implicit_tls_with_aiosmtpd(pki: Pki) -> None:
    with smtp_server(pki.leaf("smtps"), implicit=True) as port:
        result = await tls_check(port, pki.ca)
    assert result.ok and result.fields["cert_valid"] == 1


async def test_starttls_against_a_server_that_wants_tls_first_is_a_failed_run(pki: Pki) -> None:
    with smtp_server(pki.leaf("smtps2"), implicit=True) as port:
        result = await tls_check(port, pki.ca, starttls="smtp", timeout=3)
    assert not result.ok and result.fields["up"] == 0


async def test_smtp_without_starttls_configured_fails_the_handshake(pki: Pki) -> None:
    with smtp_server(pki.leaf("plain-smtp"), implicit=False) as port:
        result = await tls_check(port, pki.ca, timeout=3)
    assert not result.ok and result.reason is not None and "TLS handshake failed" in result.reason


async def test_imap_starttls_and_an_expired_certificate(pki: Pki) -> None:
    async with imap_starttls(pki.leaf("imap-expired", days=-5)) as port:
        result = await tls_check(port, pki.ca, starttls="imap")
    assert result.ok and result.fields["cert_valid"] == 0
    assert -5.1 < float(result.fields["cert_days_left"]) < -4.9
    assert result.reason is not None and "expired" in result.reason


async def test_imap_refusing_starttls_is_a_failed_run(pki: Pki) -> None:
    async with imap_starttls(pki.leaf("imap-refuses"), refuse=True) as port:
        result = await tls_check(port, pki.ca, starttls="imap")
    assert not result.ok and result.reason == "IMAP STARTTLS refused: m1 BAD STARTTLS not available"


async def test_ldaps_style_implicit_tls_wrong_name_and_server_name(pki: Pki) -> None:
    async with implicit_tls(pki.leaf("ldap", names=("ldap.corp.example",))) as port:
        by_address = await tls_check(port, pki.ca)
        by_name = await tls_check(port, pki.ca, server_name="ldap.corp.example")
    assert by_address.fields["cert_valid"] == 0 and by_address.reason is not None
    assert "mismatch" in by_address.reason.lower()
    assert by_name.fields["cert_valid"] == 1 and by_name.reason is None


async def test_nothing_listening_is_a_failed_run() -> None:
    result = await tls_check(free_port(), None)
    assert not result.ok and result.reason == "connection refused"


def test_settings_refuse_unknown_starttls() -> None:
    with pytest.raises(ValidationError) as caught:
        TlsSettings.model_validate({"port": 25, "starttls": "xmpp"})
    assert "starttls" in str(caught.value)


def test_a_timeout_keeps_the_port_tag() -> None:
    """The scheduler's timeout result has the port tag every run has, so its alert can resolve."""
    settings = TlsSettings.model_validate({"port": 636, "timeout": 2})
    result = TlsProbe().timeout_result(ProbeTarget(name="ldap", address="127.0.0.1", site="hq"), settings)
    assert result.tags == {"site": "hq", "port": "636"} and result.reason == "timeout after 2s"
