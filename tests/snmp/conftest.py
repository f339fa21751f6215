"""Shared pieces of the SNMP tests: a probe kind opened like the daemon opens it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from probes.base import ProbeContext, ProbeTarget
from probes.snmp import SnmpProbe, SnmpSettings
from tests.servers.snmpd import V3_AUTH_KEY, V3_PRIV_KEY, V3_USER, SnmpdServer


@pytest.fixture
async def kind(tmp_path: Path) -> AsyncIterator[SnmpProbe]:
    probe = SnmpProbe()
    await probe.open(ProbeContext(state_dir=tmp_path, registry=CollectorRegistry()))
    try:
        yield probe
    finally:
        await probe.close()


def settings_for(server: SnmpdServer, **overrides: Any) -> SnmpSettings:
    """Fast failure settings (the machine is shared, so not too tight) against ``server``."""
    document: dict[str, Any] = {"port": server.port, "request_timeout": 0.5, "retries": 1, "timeout": 10}
    document.update(overrides)
    return SnmpSettings.model_validate(document)


def v3_settings(server: SnmpdServer, **overrides: Any) -> SnmpSettings:
    v3 = {
        "user": V3_USER,
        "auth_protocol": "SHA",
        "auth_key": V3_AUTH_KEY,
        "priv_protocol": "AES",
        "priv_key": V3_PRIV_KEY,
    }
    v3.update(overrides.pop("v3", {}))
    return settings_for(server, version="3", v3=v3, **overrides)


def target_for(server: SnmpdServer, name: str = "sw1") -> ProbeTarget:
    return ProbeTarget(name=name, address=server.address, site="store-0001")
