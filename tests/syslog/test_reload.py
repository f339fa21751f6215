"""A reload swaps rules, limits and the sender map at once and restarts only listeners whose
settings changed; a listener that cannot start after a reload is reported, the daemon runs on."""

from __future__ import annotations

import socket
from pathlib import Path

import yaml

from monitord.config.loader import load_config
from monitord.daemon import Daemon
from monitord.intake.syslog.counters import UDP
from tests.daemon_harness import running_daemon
from tests.eventually import eventually
from tests.syslog.harness import TARGET, receiver_of, syslog_doc

RULE = {"name": "link_down", "pattern": "changed state to down", "severity": "warning"}


async def test_reload_applies_rules_and_reports_a_listener_that_cannot_start(tmp_path: Path) -> None:
    path = tmp_path / "monitord.yaml"
    doc = syslog_doc(tmp_path)
    path.write_text(yaml.safe_dump(doc))
    async with running_daemon(Daemon(load_config(path))) as daemon:
        receiver = receiver_of(daemon)
        udp = receiver.port("udp")
        assert daemon.health.snapshot()["syslog"].ok
        doc["syslog"]["rules"] = [RULE]
        path.write_text(yaml.safe_dump(doc))
        assert await daemon.reload()
        assert receiver.port("udp") == udp  # unchanged listener, same socket
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(b"<13>1 - erp-db ifmgr - - - Gi0/1 changed state to down error", ("127.0.0.1", udp))
        await eventually(lambda: receiver.counters.parsed[UDP] == 1, "the message matched")
        receiver.drain()
        results = receiver.tally.results(0.0, 1)
        fields = next(r.fields for r in results if r.target == TARGET)
        assert fields["rule_link_down"] == 1 and "rule_error" not in fields  # the new rules only
        assert fields["severity_warning"] == 1

        # A port another socket holds: the reload is applied, the listener reported as down.
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as blocker:
            blocker.bind(("127.0.0.1", 0))
            doc["syslog"]["tcp"] = {"listen": f"127.0.0.1:{blocker.getsockname()[1]}"}
            path.write_text(yaml.safe_dump(doc))
            assert await daemon.reload()
            health = daemon.health.snapshot()["syslog"]
            assert not health.ok and "syslog.tcp.listen" in health.detail, health
            assert receiver.port("udp") == udp  # the others keep running, on the same socket
            before = receiver.published
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.sendto(b"<13>1 - erp-db app - - - still heard", ("127.0.0.1", udp))
            await eventually(lambda: receiver.published > before, "a result published after the reload")
            assert not daemon.health.snapshot()["syslog"].ok  # publishing does not hide the problem
        doc["syslog"]["tcp"] = {"listen": "127.0.0.1:0"}
        path.write_text(yaml.safe_dump(doc))
        assert await daemon.reload()
        assert daemon.health.snapshot()["syslog"].ok
        assert receiver.port("tcp") > 0
