"""util-linux ``logger`` against the running receiver: UDP and TCP (octet counting and
newline framing), RFC 3164 and RFC 5424, mapped by address and by HOSTNAME, with the
log rules counting and keeping the matching lines as evidence."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp

from monitord.intake.syslog.counters import TCP, UDP
from tests.daemon_harness import READ_TOKEN, auth, url
from tests.eventually import eventually
from tests.syslog.harness import HOSTNAME, TARGET, send_with_logger, syslog_daemon, syslog_doc


async def test_udp_rfc5424_and_rfc3164_are_counted_by_the_log_rules(tmp_path: Path) -> None:
    async with syslog_daemon(syslog_doc(tmp_path)) as (_daemon, receiver, published):
        port = receiver.port("udp")
        await send_with_logger(
            port, "--udp", "--rfc5424", "-p", "user.err", "-t", "erp", message="ERROR replication broken"
        )
        await send_with_logger(
            port,
            "--udp",
            "--rfc3164",
            "-p",
            "local0.crit",
            "-t",
            "kernel",
            message="Out of memory: Killed 42",
        )
        await send_with_logger(
            port, "--udp", "--rfc5424", "-p", "daemon.info", "-t", "cron", message="all fine"
        )
        await published.wait(TARGET, "messages", 3)
        assert published.total(TARGET, "level_err") == 1
        assert published.total(TARGET, "level_crit") == 1
        assert published.total(TARGET, "level_info") == 1
        assert published.total(TARGET, "rule_error") == 1
        assert published.total(TARGET, "rule_oom") == 1
        assert published.total(TARGET, "severity_error") == 1
        assert published.total(TARGET, "severity_critical") == 1
        assert published.total(TARGET, "rule_disk_io") == 0
        evidence = published.evidence(TARGET)
        assert any(
            line.startswith("[error error] user.err: erp") and "ERROR replication broken" in line
            for line in evidence
        ), evidence
        assert any(line.startswith("[critical oom] local0.crit: kernel") for line in evidence), evidence
        assert receiver.counters.parsed[UDP] == 3
        assert receiver.counters.total_malformed() == 0
        result = next(r for r in published.results if r.target == TARGET)
        assert result.measurement == "syslog" and result.ok and dict(result.tags) == {"site": "head-office"}


async def test_tcp_octet_counting_and_newline_framing(tmp_path: Path) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text("".join(f"worker {n} segfault at 0\n" for n in range(5)))
    async with syslog_daemon(syslog_doc(tmp_path)) as (_daemon, receiver, published):
        port = receiver.port("tcp")
        await send_with_logger(port, "--tcp", "--octet-count", "--rfc5424", "-t", "app", "-f", str(lines))
        await published.wait(TARGET, "messages", 5)
        await send_with_logger(port, "--tcp", "--rfc3164", "-t", "app", "-f", str(lines))
        await published.wait(TARGET, "messages", 10)
        assert published.total(TARGET, "rule_error") == 10
        assert receiver.counters.parsed[TCP] == 10
        assert receiver.counters.total_malformed() == 0
        evidence = published.evidence(TARGET)
        # Five lines that differ only in numbers collapse into one evidence entry per interval.
        assert any("app" in line and "segfault" in line for line in evidence), evidence


async def test_a_relay_maps_by_hostname(tmp_path: Path) -> None:
    """With match [hostname, address] the HOSTNAME field wins over the (relay's) address."""
    targets = [
        {"name": TARGET, "address": "127.0.0.1", "site": "head-office"},
        {"name": HOSTNAME, "address": "192.0.2.10", "site": "store-1"},
    ]
    doc = syslog_doc(tmp_path, targets=targets, match=["hostname", "address"])
    async with syslog_daemon(doc) as (_daemon, receiver, published):
        port = receiver.port("udp")
        await send_with_logger(port, "--udp", "--rfc5424", "-t", "app", message="fatal: disk gone")
        await send_with_logger(port, "--udp", "--rfc5424=nohost", "-t", "app", message="fatal: again")
        await published.wait(HOSTNAME, "rule_error", 1)
        await published.wait(TARGET, "rule_error", 1)  # no HOSTNAME: the address decides
        assert published.total(HOSTNAME, "messages") == 1


async def test_unknown_senders_are_counted_and_optionally_kept(tmp_path: Path) -> None:
    targets = [{"name": "elsewhere", "address": "192.0.2.20", "site": "head-office"}]
    async with syslog_daemon(syslog_doc(tmp_path / "a", targets=targets)) as (_daemon, receiver, published):
        await send_with_logger(receiver.port("udp"), "--udp", "--rfc5424=nohost", message="error x")
        await eventually(lambda: receiver.counters.unknown[UDP] == 1, "the unknown sender's message counted")
        receiver.drain()
        assert receiver.counters.dropped[(UDP, "unknown_sender")] == 1
        assert published.targets() == set()
        assert receiver.tally.targets == {}
    doc = syslog_doc(tmp_path / "b", targets=targets, keep_unknown=True)
    async with syslog_daemon(doc) as (daemon, receiver, published):
        await send_with_logger(receiver.port("udp"), "--udp", "--rfc5424=nohost", message="error x")
        await published.wait("127.0.0.1", "rule_error", 1)
        async with (
            aiohttp.ClientSession(headers=auth(READ_TOKEN)) as session,
            session.get(url(daemon, "/metrics")) as response,
        ):
            text = await response.text()
        assert re.search(r'^monitord_syslog_unknown_messages_total\{transport="udp"\} 1\.0$', text, re.M), (
            text
        )
        assert re.search(r"^monitord_syslog_unknown_senders 1\.0$", text, re.M), text
        assert re.search(r'^monitord_syslog_parsed_total\{transport="udp"\} 1\.0$', text, re.M), text
        assert receiver.counters.total_dropped() == 0
