"""Rule coverage, TCP: a real loopback listener closes and opens again."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.alerts.coverage.matrix import Incident, built_in, matrix_doc
from tests.alerts.harness import Listener, running, tcp_target, wait_probed
from tests.servers.receiver import Receiver


@pytest.mark.rule_coverage("tcp-service-down")
async def test_tcp_service_down(
    tmp_path: Path, receiver: Receiver, listeners: Callable[[], Listener]
) -> None:
    service = listeners()
    await service.open()
    doc = matrix_doc(
        tmp_path, [tcp_target("erp-web", service.port)], receiver, built_in("tcp-service-down", for_="0s")
    )
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "tcp-service-down", "erp-web")
        await wait_probed(daemon, "erp-web", up=True)
        await incident.no_news_yet()
        await service.close()
        await incident.fired()
        await service.open()
        await incident.resolved()


@pytest.mark.rule_coverage("tcp-service-down")
async def test_tcp_service_down_by_timeout(
    tmp_path: Path, receiver: Receiver, listeners: Callable[[], Listener]
) -> None:
    """A port that answers no SYN at all: every run ends at the scheduler's deadline. The alert
    that timeouts open must be the one a later answer resolves (the timeout result carries the
    same tags, ``port`` included, as an answered run)."""
    service = listeners()
    await service.open()
    doc = matrix_doc(
        tmp_path, [tcp_target("erp-db", service.port)], receiver, built_in("tcp-service-down", for_="0s")
    )
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "tcp-service-down", "erp-db")
        await wait_probed(daemon, "erp-db", up=True)
        await incident.no_news_yet()
        await service.close()
        with _full_accept_queue(service.port):
            await incident.fired()
            assert "timeout" in receiver.messages[0].body, receiver.messages[0].body
        await service.open()
        await incident.resolved()


@contextlib.contextmanager
def _full_accept_queue(port: int) -> Iterator[None]:
    """A listener on ``port`` whose accept queue (backlog 0: one connection) is kept full, so
    the kernel drops every further SYN and a connect hangs until its deadline."""
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen(0)
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            yield
