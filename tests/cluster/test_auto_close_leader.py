"""Ticket auto-close is a singleton: a node that does not lead leaves quiet tickets alone,
and closes them once it leads (the seam the cluster's advisory lock drives)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.alerts.harness import (
    Listener,
    config_doc,
    engine,
    running,
    shifted,
    tcp_target,
    wait_probed,
    wait_until,
)
from tests.alerts.test_e2e_housekeeping import _outage, _tickets
from tests.servers.receiver import Receiver


async def test_auto_close_runs_only_while_leading(
    tmp_path: Path, receiver: Receiver, listeners: Callable[[], Listener]
) -> None:
    service = listeners()
    await service.open()
    doc = config_doc(tmp_path, [tcp_target("erp", service.port, site="office")], receiver.url())
    async with running(doc) as daemon:
        await wait_probed(daemon, "erp", up=True)
        await _outage(daemon, receiver, service, 0)
        leadership = daemon.coordination.leadership
        leadership.enter_cluster()  # a follower from now on
        clock = shifted(daemon)
        clock.advance(2 * 86400)  # well past the quiet day
        alerts = engine(daemon)
        before = alerts.housekept
        await wait_until(lambda: alerts.housekept != before, 30, "a housekeeping run")
        assert [t["status"] for t in await _tickets(daemon)] == ["resolved"]

        leadership.set(True)  # the advisory lock won: this node runs the singletons now
        clock.advance(120)  # past the next housekeeping time
        before = alerts.housekept
        await wait_until(lambda: alerts.housekept != before, 30, "a housekeeping run")
        assert [t["status"] for t in await _tickets(daemon)] == ["closed"]
