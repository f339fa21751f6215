"""A restart mid-incident, for every probe kind: the fault fires (one message), the
daemon stops and starts again while the fault lasts, the receiver hears nothing new
(no false RESOLVED, no second FIRING, no new ticket), and the end of the fault gives
exactly one RESOLVED message."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from monitord.daemon import Daemon
from monitord.results import now_ns
from tests.alerts.coverage.conftest import SharedSnmpd
from tests.alerts.coverage.forwarder import Forwarder
from tests.alerts.coverage.matrix import Incident, built_in, describe, matrix_doc, tickets
from tests.alerts.coverage.test_backup_rules import backup_target, make_backup
from tests.alerts.coverage.test_backup_rules import direct as backup_direct
from tests.alerts.coverage.test_snmp_rules import snmp_target
from tests.alerts.coverage.test_ssh_log_rules import log_target
from tests.alerts.harness import Listener, running, settle, tcp_target, wait_until
from tests.servers.receiver import Receiver
from tests.servers.sshd import SshdServer
from tests.ssh.conftest import write

Step = Callable[[], Awaitable[None] | None]


async def _do(step: Step) -> None:
    outcome = step()
    if outcome is not None:
        await outcome


async def fresh_result(daemon: Daemon, target: str, kind: str, since_ns: int) -> None:
    """Wait until the engine can have seen a result of ``target`` measured after ``since_ns``."""

    def measured() -> bool:
        result = daemon.scheduler.last_results().get((target, kind))
        return result is not None and result.time_ns > since_ns

    await wait_until(measured, 60, f"a fresh {kind} result of {target}")


async def restart_mid_incident(
    doc: dict[str, Any], receiver: Receiver, rule: str, target: str, kind: str, fault: Step, repair: Step
) -> None:
    async with running(doc) as daemon:
        incident = Incident(daemon, receiver, rule, target)
        await fresh_result(daemon, target, kind, 0)
        await incident.no_news_yet()
        await _do(fault)
        ticket = await incident.fired()
    async with running(doc) as daemon:
        restarted = now_ns()
        await fresh_result(daemon, target, kind, restarted)  # the fault is measured again
        await settle(daemon)
        assert len(receiver.messages) == 1, describe(receiver.messages)
        assert [t["id"] for t in await tickets(daemon)] == [ticket["id"]]
        incident = Incident(daemon, receiver, rule, target)
        incident.ticket = ticket
        await _do(repair)
        await incident.resolved()


async def test_tcp(tmp_path: Path, receiver: Receiver, listeners: Callable[[], Listener]) -> None:
    service = listeners()
    await service.open()
    doc = matrix_doc(
        tmp_path,
        [tcp_target("erp", service.port, site="office")],
        receiver,
        built_in("tcp-service-down", for_="0s"),
    )
    await restart_mid_incident(doc, receiver, "tcp-service-down", "erp", "tcp", service.close, service.open)


@pytest.mark.root
async def test_icmp(lab: Any, tmp_path: Path, receiver: Receiver) -> None:
    address = "127.0.0.9"
    target = {
        "name": "store-2-router",
        "address": address,
        "site": "store-2",
        "probes": {
            "icmp": {
                "interval": "0.5s",
                "timeout": "0.45s",
                "count": 2,
                "echo_interval": "50ms",
                "echo_timeout": "300ms",
            }
        },
    }
    doc = matrix_doc(
        tmp_path,
        [target],
        receiver,
        alerts={
            "default_rules": True,
            "disabled_rules": ["high-rtt", "packet-loss"],
            "evaluation_interval": "0.2s",
        },
    )
    with lab.icmp_sockets():
        await restart_mid_incident(
            doc,
            receiver,
            "host-down",
            "store-2-router",
            "icmp",
            lambda: lab.silence(address),
            lambda: lab.restore(address),
        )


@pytest.mark.root
async def test_snmp(snmpd_agent: SharedSnmpd, tmp_path: Path, receiver: Receiver) -> None:
    doc = matrix_doc(tmp_path, [snmp_target(snmpd_agent)], receiver, built_in("snmp-agent-down", for_="0s"))
    await restart_mid_incident(
        doc, receiver, "snmp-agent-down", "sw-store-3", "snmp", snmpd_agent.pause, snmpd_agent.resume
    )


@pytest.mark.root
async def test_ssh_log(ssh_path: Forwarder, ssh_files: Path, tmp_path: Path, receiver: Receiver) -> None:
    log = ssh_files / "app.log"
    write(log, "")
    doc = matrix_doc(
        tmp_path, [log_target(ssh_path.settings(), [log])], receiver, built_in("ssh-unreachable", for_="0s")
    )
    await restart_mid_incident(
        doc, receiver, "ssh-unreachable", "erp-db", "ssh_log", ssh_path.close, ssh_path.open
    )


@pytest.mark.root
async def test_backup(sshd_server: SshdServer, ssh_files: Path, tmp_path: Path, receiver: Receiver) -> None:
    make_backup(ssh_files, "erp-1.dump", 1000, age_hours=1)
    doc = matrix_doc(tmp_path, [backup_target(backup_direct(sshd_server), ssh_files)], receiver)

    def fault() -> None:
        (ssh_files / "erp-1.dump").unlink()

    def repair() -> None:
        make_backup(ssh_files, "erp-1.dump", 1000, age_hours=0)

    await restart_mid_incident(doc, receiver, "backup-missing", "backup-server", "backup", fault, repair)
