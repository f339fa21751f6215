"""SNMP settings validation: every mistake names its field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from monitord.config.loader import build_config
from monitord.errors import ConfigError
from probes import REGISTRY
from probes.snmp import SnmpProbe, SnmpSettings
from tests.daemon_harness import base_config


def test_registered_with_sane_defaults() -> None:
    assert REGISTRY["snmp"] is SnmpProbe
    defaults = SnmpSettings()
    assert (defaults.version, defaults.port) == ("2c", 161)
    assert (defaults.request_timeout, defaults.retries) == (1.0, 2)
    # A dead device costs (retries + 1) x request_timeout per request, well inside the deadline.
    assert (defaults.retries + 1) * defaults.request_timeout < defaults.timeout
    assert defaults.profiles == ["system", "interfaces"]


def test_secrets_stay_out_of_reprs() -> None:
    settings = SnmpSettings.model_validate(
        {
            "community": "s3cret-community",
            "version": "3",
            "v3": {"user": "u", "auth_key": "auth-key-123", "priv_key": "priv-key-123"},
        }
    )
    text = repr(settings) + str(settings.model_dump())
    for secret in ("s3cret-community", "auth-key-123", "priv-key-123"):
        assert secret not in text


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"version": "3"}, "version 3 needs v3"),
        ({"profiles": ["interfaces", "nonsense"]}, "unknown profile 'nonsense'"),
        ({"custom_profiles": {"ups": [{"name": "battery", "oid": "not-an-oid"}]}}, "is not a numeric OID"),
        (
            {"custom_profiles": {"ups": [{"name": "Bad Name", "oid": "1.3.6.1"}]}},
            "String should match pattern",
        ),
        ({"custom_profiles": {"interfaces": []}}, "is a built-in profile name"),
        ({"v3": {"user": "u", "auth_key": "short"}}, "USM keys must be at least 8 characters"),
        ({"v3": {"user": "u", "priv_key": "priv-key-123"}}, "priv_key needs auth_key"),
        ({"retries": -1}, "greater than or equal to 0"),
        ({"port": 0}, "greater than or equal to 1"),
        ({"comunity": "x"}, "comunity: unknown key"),
    ],
)
def test_invalid_settings_are_config_errors_naming_the_field(
    tmp_path: Path, settings: dict[str, Any], message: str
) -> None:
    document = base_config(
        tmp_path,
        sites={"s": {}},
        targets=[
            {
                "name": "sw1",
                "address": "127.0.0.1",
                "site": "s",
                "probes": {"snmp": settings},
            }
        ],
    )
    with pytest.raises(ConfigError) as caught:
        build_config(document)
    lines = caught.value.lines()
    assert any(line.startswith("targets[0].probes.snmp") and message in line for line in lines), lines


def test_custom_profile_defined_once_used_by_targets(tmp_path: Path) -> None:
    document = base_config(
        tmp_path,
        sites={"s": {}},
        probes={
            "snmp": {
                "custom_profiles": {
                    "ups": [
                        {"name": "battery_pct", "oid": ".1.3.6.1.2.1.33.1.2.4.0"},
                        {"name": "output_load", "oid": "1.3.6.1.2.1.33.1.4.4.1.5.1", "type": "gauge"},
                    ]
                }
            }
        },
        targets=[
            {
                "name": "ups1",
                "address": "127.0.0.1",
                "site": "s",
                "probes": {"snmp": {"profiles": ["system", "ups"]}},
            }
        ],
    )
    loaded = build_config(document)
    settings = loaded.targets[0].probes["snmp"]
    assert isinstance(settings, SnmpSettings)
    assert [o.oid for o in settings.custom_oids()] == ["1.3.6.1.2.1.33.1.2.4.0", "1.3.6.1.2.1.33.1.4.4.1.5.1"]


def test_duplicate_custom_field_names_are_rejected() -> None:
    with pytest.raises(ValidationError, match="field name\\(s\\) used twice: load"):
        SnmpSettings.model_validate(
            {
                "profiles": ["a", "b"],
                "custom_profiles": {
                    "a": [{"name": "load", "oid": "1.3.6.1.1"}],
                    "b": [{"name": "load", "oid": "1.3.6.1.2"}],
                },
            }
        )


def test_cross_field_error_names_the_probe_section_exactly(tmp_path: Path) -> None:
    document = base_config(
        tmp_path,
        sites={"s": {}},
        targets=[
            {
                "name": "sw1",
                "address": "127.0.0.1",
                "site": "s",
                "probes": {"snmp": {"version": "3"}},
            }
        ],
    )
    with pytest.raises(ConfigError) as caught:
        build_config(document)
    assert caught.value.lines() == [
        "targets[0].probes.snmp: version 3 needs v3: {user: ..., auth_key: ..., priv_key: ...}"
    ]
