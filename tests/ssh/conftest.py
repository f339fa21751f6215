"""Fixtures for the SSH probes: a pool, and probe kinds opened against the test sshd."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from monitord.ssh.pool import SshPool
from monitord.store.engine import StateStore
from probes.backup import BackupProbe
from probes.base import ProbeContext, ProbeTarget
from probes.ssh_log import SshLogProbe
from tests.servers.sshd import SshdServer

TARGET = ProbeTarget(name="db-server", address="127.0.0.1", site="head-office")


def connection(server: SshdServer, **overrides: Any) -> dict[str, Any]:
    """Settings fields that reach ``server`` as the test user with verified host key."""
    fields: dict[str, Any] = {
        "port": server.port,
        "username": server.user,
        "client_keys": [server.client_key],
        "known_hosts": server.known_hosts,
        "timeout": 20,
    }
    fields.update(overrides)
    return fields


def write(path: Path, text: str, mode: str = "a") -> None:
    with path.open(mode) as handle:
        handle.write(text)
    path.chmod(0o644)


@pytest.fixture
async def pool() -> AsyncIterator[SshPool]:
    pool = SshPool()
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
def context(tmp_path: Path) -> ProbeContext:
    return ProbeContext(state_dir=tmp_path, registry=CollectorRegistry())


@pytest.fixture
async def log_probe(pool: SshPool, context: ProbeContext) -> AsyncIterator[SshLogProbe]:
    kind = SshLogProbe(pool)
    await kind.open(context)
    try:
        yield kind
    finally:
        await kind.close()


@pytest.fixture
async def backup_probe(pool: SshPool, context: ProbeContext) -> AsyncIterator[BackupProbe]:
    kind = BackupProbe(pool)
    await kind.open(context)
    try:
        yield kind
    finally:
        await kind.close()


@pytest.fixture
async def state_store(state_url: str, tmp_path: Path) -> AsyncIterator[StateStore]:
    store = await StateStore.open(state_url, tmp_path)
    try:
        yield store
    finally:
        await store.close()
