"""The http probe against a real aiohttp HTTPS server with certificates made by ``cryptography``."""

from __future__ import annotations

from collections.abc import Callable

from tests.probes_http.conftest import check
from tests.servers.certificates import Pki
from tests.servers.tls_web import PAGE, TlsWeb


async def test_valid_certificate_gives_status_phases_and_certificate(
    pki: Pki, web_servers: Callable[..., TlsWeb]
) -> None:
    server = web_servers(pki.leaf("valid", days=365))
    await server.up()
    http, tls = await check(url=server.url("/"), ca_file=str(pki.ca))
    assert http.ok and http.reason is None, http
    fields = http.fields
    assert fields["up"] == 1 and fields["status_code"] == 200 and fields["protocol"] == "HTTP/1.1"
    assert fields["content_length"] == len(PAGE)
    for phase in ("connect_ms", "tls_ms", "first_byte_ms", "transfer_ms", "total_ms"):
        assert isinstance(fields[phase], float) and fields[phase] >= 0, phase
    assert fields["total_ms"] >= fields["connect_ms"] + fields["tls_ms"] + fields["first_byte_ms"]
    assert fields["resolve_ms"] >= 0  # "localhost" is resolved
    assert (tls.measurement, tls.kind, tls.ok) == ("tls", "http", True)
    assert tls.tags["port"] == str(server.port)
    assert tls.fields["cert_valid"] == 1 and tls.fields["issuer"] == "monitord test CA"
    assert 364 < float(tls.fields["cert_days_left"]) < 366
    assert str(tls.fields["tls_version"]).startswith("TLSv1.")
    assert server.requests == 1


async def test_certificate_expiring_in_three_days_is_valid_with_its_days_left(
    pki: Pki, web_servers: Callable[..., TlsWeb]
) -> None:
    server = web_servers(pki.leaf("expiring", days=3))
    await server.up()
    http, tls = await check(url=server.url("/"), ca_file=str(pki.ca))
    assert http.ok and http.fields["up"] == 1
    assert tls.fields["cert_valid"] == 1 and 2.9 < float(tls.fields["cert_days_left"]) < 3.1


async def test_expired_certificate_is_a_finding_and_no_request_is_sent(
    pki: Pki, web_servers: Callable[..., TlsWeb]
) -> None:
    server = web_servers(pki.leaf("expired", days=-2))
    await server.up()
    http, tls = await check(url=server.url("/"), ca_file=str(pki.ca))
    assert http.ok and http.fields["up"] == 1 and "status_code" not in http.fields
    assert http.reason is not None and "expired" in http.reason
    assert tls.ok and tls.fields["cert_valid"] == 0 and -2.1 < float(tls.fields["cert_days_left"]) < -1.9
    assert tls.reason is not None and "expired" in tls.reason
    assert server.requests == 0  # credentials in headers never go to an unverified server


async def test_wrong_name_is_invalid(pki: Pki, web_servers: Callable[..., TlsWeb]) -> None:
    server = web_servers(pki.leaf("wrong-name", names=("intranet.example",)))
    await server.up()
    _, tls = await check(url=server.url("/"), ca_file=str(pki.ca))
    assert tls.fields["cert_valid"] == 0
    assert tls.reason is not None and "mismatch" in tls.reason.lower(), tls.reason
    assert tls.fields["issuer"] == "monitord test CA"


async def test_self_signed_is_invalid_against_the_system_store(
    pki: Pki, web_servers: Callable[..., TlsWeb]
) -> None:
    server = web_servers(pki.leaf("self-signed", self_signed=True))
    await server.up()
    _, tls = await check(url=server.url("/"))  # no ca_file: the system store
    assert tls.fields["cert_valid"] == 0 and tls.fields["issuer"] == "self-signed"
    assert tls.reason is not None and "self" in tls.reason.lower(), tls.reason


async def test_a_ca_file_trusts_what_the_system_store_does_not(
    pki: Pki, web_servers: Callable[..., TlsWeb]
) -> None:
    server = web_servers(pki.leaf("private", days=100))
    await server.up()
    _, untrusted = await check(url=server.url("/"))
    _, trusted = await check(url=server.url("/"), ca_file=str(pki.ca))
    assert untrusted.fields["cert_valid"] == 0 and trusted.fields["cert_valid"] == 1


async def test_client_certificate_required(pki: Pki, web_servers: Callable[..., TlsWeb]) -> None:
    server = web_servers(pki.leaf("mtls"), client_ca=pki.ca)
    await server.up()
    client = pki.leaf("probe-client", client=True, names=("monitord",))
    (without,) = (r for r in await check(url=server.url("/"), ca_file=str(pki.ca)) if r.measurement == "http")
    assert not without.ok and without.fields["up"] == 0, without
    http, tls = await check(
        url=server.url("/"), ca_file=str(pki.ca), client_cert=str(client.cert), client_key=str(client.key)
    )
    assert http.ok and http.fields["status_code"] == 200 and tls.fields["cert_valid"] == 1


async def test_a_renewed_certificate_is_seen_on_the_next_run(
    pki: Pki, web_servers: Callable[..., TlsWeb]
) -> None:
    server = web_servers(pki.leaf("old", days=3))
    await server.up()
    _, before = await check(url=server.url("/"), ca_file=str(pki.ca))
    server.use(pki.leaf("renewed", days=90))
    _, after = await check(url=server.url("/"), ca_file=str(pki.ca))
    assert float(before.fields["cert_days_left"]) < 4 < 89 < float(after.fields["cert_days_left"])
