"""``monitord probe http|tls|dns`` as a user runs them: a real process against real servers.

Flags work before and after the positional arguments; exit 0 when all is as expected, 1 when
a check is down or found a problem, 2 for bad usage naming the field.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable

from tests.icmp.dns_server import dns_zone
from tests.servers.certificates import Pki
from tests.servers.tls_web import TlsWeb


async def monitord(*args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "monitord",
        "probe",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    async with asyncio.timeout(60):
        out, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode()


async def test_probe_http_flags_before_and_after_the_url(
    pki: Pki, web_servers: Callable[..., TlsWeb]
) -> None:
    server = web_servers(pki.leaf("cli"))
    await server.up()
    after = await monitord(
        "http", server.url("/"), "--ca-file", str(pki.ca), "--body-match", "nominal", "--json"
    )
    before = await monitord("http", "--json", "--ca-file", str(pki.ca), server.url("/"))
    for code, out in (after, before):
        assert code == 0, out
        http, tls = json.loads(out)
        assert http["fields"]["status_code"] == 200 and tls["fields"]["cert_valid"] == 1
    code, out = await monitord("http", server.url("/"), "--status", "201", "--ca-file", str(pki.ca))
    assert code == 1 and "up (found: status 200 (expected 201))" in out, out
    code, out = await monitord("http", server.url("/"))  # the test CA is not in the system store
    assert code == 1 and "certificate invalid" in out, out


async def test_probe_http_bad_usage_names_the_field() -> None:
    code, out = await monitord("http", "https://user:pw@example.com/")
    assert code == 2 and out.startswith("monitord probe http: url: credentials in the URL"), out
    code, out = await monitord("http", "https://example.com/", "--body-match", "(a)\\1")
    assert code == 2 and "body_match" in out, out


async def test_probe_tls(pki: Pki, web_servers: Callable[..., TlsWeb]) -> None:
    server = web_servers(pki.leaf("cli-tls", days=10))
    await server.up()
    code, out = await monitord("tls", "--ca-file", str(pki.ca), f"127.0.0.1:{server.port}", "--json")
    assert code == 0, out
    (result,) = json.loads(out)
    assert result["measurement"] == "tls" and 9.9 < result["fields"]["cert_days_left"] < 10.1
    code, out = await monitord("tls", f"127.0.0.1:{server.port}", "--starttls", "xmpp")
    assert code == 2, out


async def test_probe_dns() -> None:
    async with dns_zone(tcp=True) as (zone, port):
        zone.records[("erp.corp.example", "A")] = ("192.0.2.10", 60)
        good = await monitord(
            "dns", "127.0.0.1", "erp.corp.example", "--port", str(port), "--tcp", "--expect", "192.0.2.10"
        )
        wrong = await monitord(
            "dns", "--expect", "192.0.2.11", "--port", str(port), "127.0.0.1", "erp.corp.example"
        )
        bad = await monitord("dns", "127.0.0.1", "erp.corp.example", "--type", "BOGUS")
    assert good[0] == 0 and "dns: up" in good[1], good
    assert wrong[0] == 1 and "answer lacks 192.0.2.11" in wrong[1], wrong
    assert bad[0] == 2 and "query_type: unknown record type 'BOGUS'" in bad[1], bad
