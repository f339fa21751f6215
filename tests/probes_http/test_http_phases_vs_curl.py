"""Our phases against ``curl -w`` on the same server: the same phase gets the server's delay.

Tolerant by design (two clients on a loaded machine): the server holds its answer for a
second, so in both clients the first-byte phase is at least that second and is the
largest phase, connect and TLS are not charged with it, and the two first-byte phases
are of the same magnitude. No tight timing is asserted.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable

from tests.probes_http.conftest import check
from tests.servers.certificates import Pki
from tests.servers.tls_web import TlsWeb

DELAY_S = 1.0
CURL_FORMAT = "%{time_namelookup} %{time_connect} %{time_appconnect} %{time_starttransfer} %{time_total}"


async def curl_phases(url: str, ca: str) -> dict[str, float]:
    """curl's cumulative times turned into one duration per phase, in ms."""
    curl = shutil.which("curl")
    assert curl is not None, "curl (Debian package curl) is needed"
    process = await asyncio.create_subprocess_exec(
        curl,
        "-sS",
        "-o",
        "/dev/null",
        "--cacert",
        ca,
        "--max-time",
        "20",
        "-w",
        CURL_FORMAT,
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(30):
        out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    lookup, connect, tls, first, total = (float(x) * 1000.0 for x in out.split())
    return {
        "resolve_ms": lookup,
        "connect_ms": connect - lookup,
        "tls_ms": tls - connect,
        "first_byte_ms": first - tls,
        "total_ms": total,
    }


async def test_phases_agree_with_curl_in_order_and_magnitude(
    pki: Pki, web_servers: Callable[..., TlsWeb]
) -> None:
    server = web_servers(pki.leaf("timed"))
    server.delay = DELAY_S
    await server.up()
    url = server.url("/slow")
    theirs = await curl_phases(url, str(pki.ca))
    ours_result, _ = await check(url=url, ca_file=str(pki.ca))
    ours = {k: float(v) for k, v in ours_result.fields.items() if k.endswith("_ms")}
    for name, phases in (("curl", theirs), ("monitord", ours)):
        assert phases["first_byte_ms"] >= DELAY_S * 1000 * 0.95, (name, phases)
        assert phases["first_byte_ms"] > phases["connect_ms"], (name, phases)
        assert phases["first_byte_ms"] > phases["tls_ms"] > 0, (name, phases)
        assert phases["total_ms"] >= phases["first_byte_ms"], (name, phases)
    ratio = ours["first_byte_ms"] / theirs["first_byte_ms"]
    assert 1 / 3 < ratio < 3, (ours, theirs)
