"""The ``ipam:`` section: defaults, summary lines and invalid values with their exact messages."""

from __future__ import annotations

from typing import Any

import pytest

from monitord.config.loader import build_config
from monitord.errors import ConfigError

INVALID: list[tuple[dict[str, Any], str]] = [
    (
        {"reconcile": {"subnets": ["127.77.0.1/24"]}},
        "ipam.reconcile.subnets[0]: '127.77.0.1/24' is not a subnet in CIDR form: "
        "127.77.0.1/24 has host bits set",
    ),
    (
        {"reconcile": {"subnets": ["127.77.0.0/24", "127.77.0.0/24"]}},
        "ipam.reconcile.subnets: listed more than once: 127.77.0.0/24",
    ),
    (
        {"reconcile": {"interval": "soon"}},
        "ipam.reconcile.interval: not a duration (use e.g. 500ms, 30s, 5m, 2h, 1d)",
    ),
    ({"reconcile": {"count": 0}}, "ipam.reconcile.count: Input should be greater than or equal to 1"),
    ({"check_timeout": 0}, "ipam.check_timeout: must be between 1ms and 3650d"),
    ({"sweep": {}}, "ipam.sweep: unknown key"),
]


@pytest.mark.parametrize(("section", "message"), INVALID)
def test_invalid_ipam_settings_name_the_field(section: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build_config({"ipam": section})
    assert caught.value.lines() == [message]


def test_defaults_and_summary() -> None:
    config = build_config({}).config.ipam
    assert (config.check_timeout, config.reconcile.interval, config.reconcile.stale_after) == (
        1.0,
        3600.0,
        30 * 86400.0,
    )
    assert config.summary() == [
        "ipam: allocation check ping timeout 1s",
        "ipam: reconciliation off (no ipam.reconcile.subnets)",
    ]
    swept = build_config(
        {"ipam": {"reconcile": {"subnets": ["127.77.0.0/24"], "stale_after": "7d", "arp": False}}}
    ).config.ipam
    assert swept.summary()[1] == (
        "ipam: reconcile 1 subnets (127.77.0.0/24) every 1h, stale after 1w, ARP off"
    )
