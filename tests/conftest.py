"""Test-wide policy: tests needing root skip (with the reason) only when not root,
and under CI any skipped test fails the run, so nothing is silently left out."""

from __future__ import annotations

import os

import pytest

pytest_plugins = [
    "tests.servers.postgres",
    "tests.servers.receiver",
    "tests.servers.victoria",
    "tests.servers.influxdb",
    "tests.servers.sshd",
    "tests.servers.snmpd",
    "tests.lab.plugin",
]

IS_ROOT = os.geteuid() == 0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if IS_ROOT:
        return
    skip = pytest.mark.skip(reason="needs root (raw sockets, network namespaces or system servers)")
    for item in items:
        if "root" in item.keywords:
            item.add_marker(skip)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not (os.environ.get("CI") or os.environ.get("MONITORD_NO_SKIPS")):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter is not None else 0
    if skipped:
        if reporter is not None:
            reporter.write_line(f"FAILED: {skipped} test(s) skipped under CI; none may be", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
