"""What counts as a good answer: status, body pattern (RE2), headers, redirects, framing, proxy, families."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest
from pydantic import ValidationError

from probes.http import HttpSettings
from tests.probes_http.conftest import check
from tests.probes_http.forward_proxy import ForwardProxy
from tests.servers.certificates import Pki
from tests.servers.processes import free_port
from tests.servers.tls_web import TlsWeb


@pytest.fixture
async def plain(web_servers: Callable[..., TlsWeb]) -> TlsWeb:
    server = web_servers(None)
    await server.up()
    return server


async def test_plain_http_has_no_tls_result(plain: TlsWeb) -> None:
    results = await check(url=plain.url("/", host="127.0.0.1"))
    assert [r.measurement for r in results] == ["http"]
    assert results[0].fields["status_code"] == 200 and "tls_ms" not in results[0].fields


async def test_unexpected_status_is_up_0_on_an_ok_run_with_the_phases(plain: TlsWeb) -> None:
    (result,) = await check(url=plain.url("/status/503"))
    assert result.ok and result.fields["up"] == 0 and result.fields["status_code"] == 503
    assert result.reason == "status 503 (expected 2xx)"
    assert "first_byte_ms" in result.fields and "total_ms" in result.fields
    (expected,) = await check(url=plain.url("/status/503"), valid_status_codes=[503])
    assert expected.fields["up"] == 1 and expected.reason is None


async def test_body_match_is_a_result_not_an_error(plain: TlsWeb) -> None:
    (found,) = await check(url=plain.url("/"), body_match=r"all systems (nominal|go)")
    (missing,) = await check(url=plain.url("/"), body_match=r"maintenance")
    assert found.fields["up"] == 1
    assert missing.ok and missing.fields["up"] == 0 and missing.reason == "body does not match 'maintenance'"


async def test_required_headers(plain: TlsWeb) -> None:
    (present,) = await check(url=plain.url("/"), required_headers={"X-Check": "^yes$", "Content-Type": ""})
    (absent,) = await check(url=plain.url("/"), required_headers={"Strict-Transport-Security": ""})
    (wrong,) = await check(url=plain.url("/"), required_headers={"X-Check": "^no$"})
    assert present.fields["up"] == 1
    assert absent.fields["up"] == 0 and absent.reason == "header Strict-Transport-Security missing"
    assert wrong.fields["up"] == 0 and wrong.reason == "header X-Check does not match '^no$'"


async def test_redirects_followed_or_not(plain: TlsWeb) -> None:
    (followed,) = await check(url=plain.url("/redirect"))
    (kept,) = await check(url=plain.url("/redirect"), follow_redirects=False)
    (limited,) = await check(url=plain.url("/redirect"), max_redirects=0)
    assert followed.fields["status_code"] == 200 and followed.fields["redirects"] == 1
    assert kept.fields["status_code"] == 302 and kept.fields["up"] == 0
    assert limited.fields["status_code"] == 302 and limited.fields["redirects"] == 0
    assert plain.requests == 1  # only the followed redirect reached the page


async def test_chunked_body_is_counted_and_matched(plain: TlsWeb) -> None:
    (result,) = await check(url=plain.url("/chunked"), body_match="marker-in-chunk")
    assert result.fields["up"] == 1
    assert result.fields["content_length"] == len(b"first part second part marker-in-chunk")


async def test_post_with_a_body_and_secret_headers(plain: TlsWeb) -> None:
    settings = HttpSettings.model_validate(
        {
            "url": plain.url("/"),
            "method": "post",
            "body": "x=1",
            "headers": {"Authorization": "Bearer s3cret-token"},
        }
    )
    assert "s3cret-token" not in repr(settings) and "s3cret-token" not in str(settings.model_dump())
    (result,) = await check(
        url=plain.url("/"), method="POST", body="x=1", headers={"Authorization": "Bearer s3cret-token"}
    )
    assert result.fields["status_code"] == 200


async def test_refused_and_unresolvable_are_failed_runs() -> None:
    (refused,) = await check(url=f"http://127.0.0.1:{free_port()}/")
    assert not refused.ok and refused.reason == "connection refused" and refused.fields["up"] == 0
    (unknown,) = await check(url="http://no-such-host.invalid/")
    assert not unknown.ok and unknown.reason is not None and unknown.reason.startswith("name not resolved")


async def test_not_http_is_a_failed_run() -> None:
    import asyncio

    async def babble(_r: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"SSH-2.0-OpenSSH_9.2\r\n")
        writer.close()

    server = await asyncio.start_server(babble, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        (result,) = await check(url=f"http://127.0.0.1:{port}/")
    finally:
        server.close()
    assert not result.ok and result.reason == "not an HTTP answer: 'SSH-2.0-OpenSSH_9.2'"


async def test_through_a_forward_proxy(pki: Pki, plain: TlsWeb, web_servers: Callable[..., TlsWeb]) -> None:
    secure = web_servers(pki.leaf("proxied"))
    await secure.up()
    proxy = ForwardProxy()
    await proxy.up()
    try:
        (http_result,) = await check(url=plain.url("/"), proxy=f"http://127.0.0.1:{proxy.port}")
        https_result, tls = await check(
            url=secure.url("/"), proxy=f"http://127.0.0.1:{proxy.port}", ca_file=str(pki.ca)
        )
    finally:
        await proxy.down()
    assert http_result.fields["status_code"] == 200 and https_result.fields["status_code"] == 200
    assert tls.fields["cert_valid"] == 1
    assert proxy.requests == [
        f"GET http://localhost:{plain.port}/ HTTP/1.1",
        f"CONNECT localhost:{secure.port} HTTP/1.1",
    ]


async def test_a_proxy_refusing_connect_is_a_failed_run(pki: Pki, web_servers: Callable[..., TlsWeb]) -> None:
    secure = web_servers(pki.leaf("refused"))
    await secure.up()
    proxy = ForwardProxy(refuse=True)
    await proxy.up()
    try:
        (result,) = await check(url=secure.url("/"), proxy=f"http://127.0.0.1:{proxy.port}")
    finally:
        await proxy.down()
    assert not result.ok and result.reason == "proxy refused CONNECT: 403 Forbidden"


async def test_ip_family_preference(web_servers: Callable[..., TlsWeb]) -> None:
    """``localhost`` has only an IPv4 address here: ip6 without fallback finds none."""
    families = {info[0] for info in socket.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM)}
    assert families == {socket.AF_INET}
    server = web_servers(None)
    await server.up()
    (strict,) = await check(url=server.url("/"), preferred_ip_protocol="ip6", ip_protocol_fallback=False)
    (fallback,) = await check(url=server.url("/"), preferred_ip_protocol="ip6")
    assert not strict.ok and strict.reason == "localhost has no IPv6 address"
    assert fallback.fields["status_code"] == 200
    v6 = web_servers(None, host="::1")
    await v6.up()
    (literal,) = await check(url=v6.url("/", host="[::1]"))
    assert literal.fields["status_code"] == 200


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"url": "ftp://example.com/"}, "expected an http:// or https:// URL with a host"),
        ({"url": "https://user:pw@example.com/"}, "credentials in the URL would be written to logs"),
        (
            {"url": "https://example.com/", "body_match": "(a)\\1"},
            "body_match\n  Value error, not a valid regular expression",
        ),
        ({"url": "https://example.com/", "valid_status_codes": [99]}, "greater than or equal to 100"),
        ({"url": "https://example.com/", "headers": {"X": "a\r\nInjected: 1"}}, "line break"),
        ({"url": "https://example.com/", "proxy": "socks5://127.0.0.1:1080"}, "expected http://host:port"),
        ({"url": "https://example.com/", "client_key": "/k.pem"}, "client_key needs client_cert"),
        ({"url": "https://example.com/", "colour": "red"}, "Extra inputs are not permitted"),
    ],
)
def test_settings_refuse_bad_values_naming_why(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        HttpSettings.model_validate(values)
    assert message in str(caught.value)
