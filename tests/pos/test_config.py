"""``pos:`` configuration: defaults, exact error messages, secrets, summary, register building."""

from __future__ import annotations

from typing import Any

import pytest

from monitord.config.loader import build_config
from monitord.errors import ConfigError
from monitord.pos.register import Register

TOKEN = "store-token-0123456789"


def _doc(pos: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"pos": pos, **extra}


@pytest.mark.parametrize(
    ("pos", "extra", "lines"),
    [
        (
            {"stores": {"s1": {"token": "short"}}},
            {},
            ["pos.stores.s1.token: a store token must be at least 16 characters"],
        ),
        (
            {"stores": {"s1": {"udp_key": "short"}}},
            {},
            ["pos.stores.s1.udp_key: a UDP key must be at least 16 characters"],
        ),
        (
            {"stores": {"s1": {"terminals": {"t1": {"token": "x"}}}}},
            {},
            ["pos.stores.s1.terminals.t1.token: a terminal token must be at least 16 characters"],
        ),
        ({"stores": {"s1": {"colour": "red"}}}, {}, ["pos.stores.s1.colour: unknown key"]),
        ({"missed_intervals": 0}, {}, ["pos.missed_intervals: Input should be greater than or equal to 1"]),
        ({"hours": {"mon": "9-5"}}, {}, ["pos.hours: mon: '9-5' is not HH:MM-HH:MM or 'closed'"]),
        (
            {"stores": {"s1": {"holidays": ["christmas"]}}},
            {},
            ["pos.stores.s1.holidays[0]: Input should be a valid date or datetime, input is too short"],
        ),
        (
            {"udp": {"listen": "localhost:1"}},
            {},
            ["pos.udp.listen: listen must be IP:PORT (e.g. 127.0.0.1:8471)"],
        ),
        (
            {"stores": {"s1": {"token": TOKEN}, "s2": {"token": TOKEN}}},
            {},
            ["pos.stores.s2.token: the same token as pos.stores.s1.token (every token must be unique)"],
        ),
        (
            {"stores": {"s1": {"site": "nowhere", "router": "r9", "terminals": {"t1": {"poll": "p9"}}}}},
            {},
            [
                "pos.stores.s1.site: no site named 'nowhere'",
                "pos.stores.s1.router: no target named 'r9'",
                "pos.stores.s1.terminals.t1.poll: no target named 'p9'",
            ],
        ),
    ],
)
def test_invalid(pos: dict[str, Any], extra: dict[str, Any], lines: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        build_config(_doc(pos, **extra))
    assert caught.value.lines() == lines


def test_register_inherits_defaults_and_site() -> None:
    loaded = build_config(
        {
            "sites": {"shop-1": {"timezone": "Europe/Vienna", "parent": "shop-1-router"}},
            "targets": [{"name": "shop-1-router", "address": "127.0.0.1", "site": "shop-1"}],
            "pos": {
                "interval": "20s",
                "hours": {"daily": "07:00-22:00"},
                "holidays": ["2026-12-25"],
                "stores": {
                    "shop-1": {
                        "token": TOKEN,
                        "holidays": ["2026-12-31"],
                        "down_terminals": 3,
                        "terminals": {"t1": None, "t2": {"interval": "5s", "address": "127.0.0.5"}},
                    }
                },
            },
        }
    )
    register = Register.from_config(loaded)
    store = register.stores["shop-1"]
    assert store.hours.timezone == "Europe/Vienna"
    assert store.router == "shop-1-router"
    assert store.down_terminals == 3 and store.missed_intervals == 3
    assert {d.isoformat() for d in store.hours.holidays} == {"2026-12-25", "2026-12-31"}
    assert store.terminals["t1"].interval == 20.0
    assert store.terminals["t2"].interval == 5.0 and store.terminals["t2"].address == "127.0.0.5"
    assert len(register.tokens) == 1
    assert TOKEN not in repr(loaded.config.pos)
    summary = loaded.config.pos.summary()
    assert summary[0].startswith("pos: 1 stores, 2 terminals (0 polled)")


def test_router_from_polled_target_parent() -> None:
    loaded = build_config(
        {
            "sites": {"shop-2": {"timezone": "UTC"}},
            "targets": [
                {"name": "shop-2-router", "address": "127.0.0.1", "site": "shop-2"},
                {
                    "name": "shop-2-till",
                    "address": "127.0.0.2",
                    "site": "shop-2",
                    "parent": "shop-2-router",
                    "probes": {"tcp": {"port": 9, "interval": "15s"}},
                },
            ],
            "pos": {"stores": {"shop-2": {"terminals": {"t1": {"poll": "shop-2-till"}}}}},
        }
    )
    store = Register.from_config(loaded).stores["shop-2"]
    assert store.router == "shop-2-router"
    assert store.terminals["t1"].interval == 15.0 and store.terminals["t1"].address == "127.0.0.2"


def test_reload_keeps_runtime_state() -> None:
    doc = {"pos": {"auto_register": True, "stores": {"s1": {"token": TOKEN, "terminals": {"t1": {}}}}}}
    first = Register.from_config(build_config(doc))
    first.stores["s1"].terminals["t1"].last_seen = 123.0
    first.add_terminal(first.stores["s1"], "auto-1", "auto")
    second = Register.from_config(build_config(doc), previous=first)
    assert second.stores["s1"].terminals["t1"].last_seen == 123.0
    assert second.stores["s1"].terminals["auto-1"].source == "auto"


def test_example_config_has_pos() -> None:
    from pathlib import Path

    from monitord.config.loader import load_config

    loaded = load_config(Path(__file__).parents[2] / "config" / "monitord.example.yaml")
    assert loaded.config.pos.enabled
