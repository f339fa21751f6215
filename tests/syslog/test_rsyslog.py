"""rsyslog as a relay in front of the receiver, the way a site forwards its logs.

A private ``rsyslogd -n`` (its own config, work directory and pid file; no imuxsock, so it
never touches the system's log socket) takes messages on an ``imtcp`` port and forwards
each one twice with ``omfwd``: over TCP with octet-counted framing in RFC 5424
(``RSYSLOG_SyslogProtocol23Format``) and over UDP in the traditional RFC 3164 format.
Every message arrives from the relay's address, so the target is found by HOSTNAME.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

from tests.servers.processes import free_port, need_binary, wait_until
from tests.syslog.harness import HOSTNAME, TARGET, send_with_logger, syslog_daemon, syslog_doc

CONFIG = """\
global(workDirectory="{work}" maxMessageSize="8k")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="{inbound}" ruleset="forward")
ruleset(name="forward") {{
  action(type="omfwd" target="127.0.0.1" port="{tcp}" protocol="tcp" TCP_Framing="octet-counted"
         template="RSYSLOG_SyslogProtocol23Format")
  action(type="omfwd" target="127.0.0.1" port="{udp}" protocol="udp"
         template="RSYSLOG_TraditionalForwardFormat")
}}
"""


def _accepts(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


@contextlib.contextmanager
def rsyslogd(directory: Path, *, tcp: int, udp: int) -> Iterator[int]:
    """A private rsyslogd forwarding to our ports; yields the port it takes messages on."""
    binary = need_binary("rsyslogd", "rsyslog")
    work = directory / "work"
    work.mkdir(parents=True)
    inbound = free_port()
    conf = directory / "rsyslog.conf"
    conf.write_text(CONFIG.format(work=work, inbound=inbound, tcp=tcp, udp=udp))
    log = directory / "rsyslogd.log"
    check = subprocess.run([binary, "-N1", "-f", str(conf)], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "-n", "-f", str(conf), "-i", str(directory / "rsyslogd.pid")],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until(lambda: _accepts(inbound), 30, "rsyslogd's imtcp input", process, log)
        yield inbound
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


async def test_rsyslog_forwards_over_tcp_and_udp(tmp_path: Path) -> None:
    targets = [
        {"name": TARGET, "address": "127.0.0.1", "site": "head-office"},  # the relay's address
        {"name": HOSTNAME, "address": "192.0.2.30", "site": "store-1"},  # the original sender
    ]
    doc = syslog_doc(tmp_path, targets=targets, match=["hostname", "address"])
    async with syslog_daemon(doc) as (_daemon, receiver, published):
        relay = tmp_path / "relay"
        with rsyslogd(relay, tcp=receiver.port("tcp"), udp=receiver.port("udp")) as inbound:
            lines = tmp_path / "lines.txt"
            lines.write_text(
                "kernel: EXT4-fs error (device sda1): htree_dirblock_to_tree\n"
                "sshd[812]: Accepted publickey for backup\n"
                "app: fatal: cannot open spool\n"
            )
            await send_with_logger(inbound, "--tcp", "--octet-count", "--rfc5424", "-f", str(lines))
            await published.wait(HOSTNAME, "messages", 6, timeout=60)
        await asyncio.sleep(0)
        assert published.total(HOSTNAME, "rule_disk_io") == 2
        assert published.total(HOSTNAME, "rule_error") == 4  # "error" and "fatal", twice each
        assert published.total(HOSTNAME, "severity_critical") == 2
        assert TARGET not in published.targets()
        assert receiver.counters.total_malformed() == 0
        assert receiver.counters.parsed == [3, 3, 0]
