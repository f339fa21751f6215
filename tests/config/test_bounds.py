"""Every number and duration the file or the API accepts has a minimum and a maximum (issue 13, 8).

One duration type serves both: ``Duration`` with per-field ``Bounds``.
"""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from pydantic import BaseModel, ValidationError

import monitord.api.alerts_routes
import monitord.api.pos_routes
import monitord.api.series_routes
import monitord.ipam.bodies
import monitord.pos.ingest
from monitord.config.durations import Bounds, Duration, PositiveDuration, format_duration
from monitord.config.loader import build_config
from monitord.config.model import MonitordConfig
from monitord.config.pos import HeartbeatInterval
from monitord.errors import ConfigError
from probes import REGISTRY

API_MODULES = (
    monitord.ipam.bodies,
    monitord.api.pos_routes,
    monitord.pos.ingest,
    monitord.api.series_routes,
    monitord.api.alerts_routes,
)


def _api_models() -> list[type[BaseModel]]:
    return [
        value
        for module in API_MODULES
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, BaseModel)
        and value is not BaseModel
        and value.__module__ == module.__name__
    ]


def unbounded_numbers(model: type[BaseModel]) -> list[str]:
    """Paths of integer or number fields in ``model``'s JSON schema lacking a minimum or maximum."""
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    found: list[str] = []
    seen: set[str] = set()
    stack: list[tuple[Any, str, bool, bool]] = [(schema, model.__name__, False, False)]
    while stack:
        node, path, low, high = stack.pop()
        if not isinstance(node, dict):
            continue
        # pydantic writes a constraint beside an anyOf (ByteSize) as ge/le at the outer level.
        low = low or any(k in node for k in ("minimum", "exclusiveMinimum", "ge", "gt"))
        high = high or any(k in node for k in ("maximum", "exclusiveMaximum", "le", "lt"))
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                stack.append((defs[name], path, False, False))
            continue
        if node.get("type") in ("integer", "number") and not (low and high):
            found.append(path)
        for key, value in node.items():
            if key == "properties":
                stack.extend((v, f"{path}.{k}", False, False) for k, v in value.items())
            elif key in ("anyOf", "oneOf", "allOf"):
                stack.extend((v, path, low, high) for v in value)
            elif key in ("items", "additionalProperties"):
                stack.append((value, f"{path}[]", False, False))
    return found


@pytest.mark.parametrize(
    "model",
    [MonitordConfig, *(entry.settings_model for entry in REGISTRY.values()), *_api_models()],
    ids=lambda m: m.__name__,
)
def test_every_number_has_a_minimum_and_a_maximum(model: type[BaseModel]) -> None:
    assert unbounded_numbers(model) == []


def test_the_walker_finds_an_unbounded_number() -> None:
    class Loose(BaseModel):
        count: int = 0
        delay: Duration = 0.0

    assert unbounded_numbers(Loose) == ["Loose.count"]


class _Terminal(BaseModel):
    interval: HeartbeatInterval | None = None
    delay: Duration = 0.0
    timeout: PositiveDuration = 1.0
    window: Annotated[Duration, Bounds(60.0, 3600.0)] = 60.0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("interval", 1e300, "must be between 1s and 1d"),
        ("interval", "100000000w", "must be between 1s and 1d"),
        ("interval", 1e-300, "must be between 1s and 1d"),
        ("interval", 10**400, "not a duration (use e.g. 500ms, 30s, 5m, 2h, 1d)"),
        ("interval", "9" * 400, "not a duration (use e.g. 500ms, 30s, 5m, 2h, 1d)"),
        ("interval", float("inf"), "not a duration (use e.g. 500ms, 30s, 5m, 2h, 1d); it must be finite"),
        ("interval", True, "not a duration (use e.g. 500ms, 30s, 5m, 2h, 1d)"),
        ("delay", 1e-300, "must be 0 or at least 1ms"),
        ("delay", -1, "must be between 0 and 3650d"),
        ("delay", "3651d", "must be between 0 and 3650d"),
        ("timeout", 0, "must be between 1ms and 3650d"),
        ("window", "59s", "must be between 1m and 1h"),
    ],
)
def test_duration_bounds_name_the_range(field: str, value: Any, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _Terminal.model_validate({field: value})
    assert [e["msg"].removeprefix("Value error, ") for e in caught.value.errors()] == [message]


def test_bounded_durations_keep_their_spelling() -> None:
    terminal = _Terminal.model_validate({"interval": "1d", "delay": 0, "window": "1h"})
    assert (terminal.interval, terminal.window) == (86400.0, 3600.0)
    assert terminal.model_dump(mode="json")["interval"] == "1d"
    assert format_duration(0.001) == "1ms"


def test_file_and_api_share_the_terminal_interval_bounds() -> None:
    """The configuration file refuses what the POS admin API refuses, with the same message."""
    store = {
        "token": "store-token-0123456789",
        "terminals": {"t1": {"interval": "100000000w"}},
        "interval": 1e-300,
    }
    with pytest.raises(ConfigError) as caught:
        build_config({"pos": {"interval": 1e300, "stores": {"s1": store}}})
    assert caught.value.lines() == [
        "pos.interval: must be between 1s and 1d",
        "pos.stores.s1.interval: must be between 1s and 1d",
        "pos.stores.s1.terminals.t1.interval: must be between 1s and 1d",
    ]
    body = monitord.api.pos_routes.TerminalBody
    with pytest.raises(ValidationError):
        body.model_validate({"interval": "100000000w"})
