"""Rule coverage, TCP: a real loopback listener closes and opens again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.alerts.coverage.matrix import Incident, built_in, matrix_doc
from tests.alerts.harness import Listener, running, tcp_target, wait_probed
from tests.servers.receiver import Receiver


@pytest.mark.rule_coverage("tcp-service-down")
async def test_tcp_service_down(tmp_path: Path, receiver: Receiver,
                                listeners: Callable[[], Listener]) -> None:
    service = listeners()
    await service.open()
    doc = matrix_doc(tmp_path, [tcp_target("erp-web", service.port)], receiver,
                     built_in("tcp-service-down", for_="0s"))
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, "tcp-service-down", "erp-web")
        await wait_probed(daemon, "erp-web", up=True)
        await incident.no_news_yet()
        await service.close()
        await incident.fired()
        await service.open()
        await incident.resolved()
