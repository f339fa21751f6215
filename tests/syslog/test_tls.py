"""RFC 5425: octet-counted syslog inside TLS, with certificates made by ``cryptography``;
with ``client_ca_file`` only senders presenting a certificate from that CA get through."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from pathlib import Path
from typing import Any

import pytest

from monitord.errors import StartupError
from monitord.intake.syslog.counters import TLS
from tests.eventually import eventually
from tests.servers.certificates import Pair, Pki
from tests.syslog.harness import TARGET, syslog_daemon, syslog_doc

MESSAGE = b"<11>1 2026-12-01T08:00:00Z erp-db app 7 - - fatal: tls delivered"


def frame(message: bytes) -> bytes:
    return b"%d %s" % (len(message), message)


def client_context(pki: Pki, pair: Pair | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki.ca))
    if pair is not None:
        context.load_cert_chain(str(pair.cert), str(pair.key))
    return context


async def send_tls(port: int, context: ssl.SSLContext, data: bytes) -> bytes:
    """Send ``data`` over TLS and read until the server closes (or 2 s pass); what came back."""
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection("127.0.0.1", port, ssl=context, server_hostname="127.0.0.1"), 10
    )
    writer.write(data)
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(100), 2)
    except (TimeoutError, ConnectionResetError, ssl.SSLError):
        return b""
    finally:
        writer.close()


def tls_doc(tmp_path: Path, pki: Pki, **tls: Any) -> dict[str, Any]:
    server = pki.leaf("syslog-server")
    section = {"listen": "127.0.0.1:0", "cert_file": str(server.cert), "key_file": str(server.key), **tls}
    return syslog_doc(tmp_path, tls=section)


async def test_tls_delivers_octet_counted_messages(tmp_path: Path) -> None:
    pki = Pki(tmp_path / "pki")
    async with syslog_daemon(tls_doc(tmp_path, pki)) as (_daemon, receiver, published):
        port = receiver.port("tls")
        await send_tls(port, client_context(pki), frame(MESSAGE) * 3)
        await published.wait(TARGET, "messages", 3)
        assert published.total(TARGET, "rule_error") == 3
        assert receiver.counters.parsed[TLS] == 3
        # A client that does not trust the server's CA never gets to send.
        with pytest.raises(ssl.SSLCertVerificationError):
            await send_tls(port, ssl.create_default_context(), frame(MESSAGE))
        assert receiver.counters.parsed[TLS] == 3


async def test_mutual_tls_refuses_senders_without_a_client_certificate(tmp_path: Path) -> None:
    pki = Pki(tmp_path / "pki")
    stranger = Pki(tmp_path / "other-pki", ca_name="someone else")
    doc = tls_doc(tmp_path, pki, client_ca_file=str(pki.ca))
    async with syslog_daemon(doc) as (_daemon, receiver, published):
        port = receiver.port("tls")
        for context in (client_context(pki), client_context(pki, stranger.leaf("intruder", client=True))):
            # TLS 1.3 finishes the client's side of the handshake before the server checks its
            # certificate, so the refusal may come as a reset after sending: either way, nothing counts.
            with contextlib.suppress(ssl.SSLError, ConnectionResetError):
                await send_tls(port, context, frame(MESSAGE))
        await send_tls(port, client_context(pki, pki.leaf("sender", client=True)), frame(MESSAGE))
        await published.wait(TARGET, "messages", 1)
        await eventually(lambda: receiver.counters.connections[TLS] == 0, "connections closed")
        assert receiver.counters.parsed[TLS] == 1


async def test_an_unreadable_key_is_a_startup_error_naming_the_field(tmp_path: Path) -> None:
    pki = Pki(tmp_path / "pki")
    doc = tls_doc(tmp_path, pki, key_file=str(tmp_path / "missing.key"))
    with pytest.raises(StartupError, match=r"syslog\.tls\.cert_file/key_file"):
        async with syslog_daemon(doc):
            pass
