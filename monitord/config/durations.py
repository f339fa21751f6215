"""Durations in configuration and API bodies: ``250ms``, ``30s``, ``5m``, ``2h``, ``1d``, ``1w``
or a number of seconds, always within bounds.

One type serves the file and the API alike. Every duration is finite and lies
between 0 and ``MAX_DURATION``, and a non-zero one is at least ``RESOLUTION``
(1 ms, the finest unit written back): a till interval of ``1e300`` or
``"100000000w"`` would never go overdue, and ``1e-300`` would be shown as
``0ms``. A field narrows the range with ``Bounds``::

    interval: Annotated[Duration, Bounds(1.0, 86400.0)] = 30.0

and the message names both ends in duration units ("must be between 1s and 1d").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, GetCoreSchemaHandler, GetJsonSchemaHandler, PlainSerializer
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_FORM = "not a duration (use e.g. 500ms, 30s, 5m, 2h, 1d)"
# Longer strings are never a sensible duration; refusing them keeps the regex on short input.
_MAX_TEXT = 32

RESOLUTION = 0.001
MAX_DURATION = 3650 * 86400.0  # ten years: longer than any retention anyone has asked for


def parse_duration(value: Any) -> float:
    """Seconds from a number or a string with a unit; raises ValueError naming the form.

    The result is finite but not yet bounded (``Bounds`` does that per field).
    """
    if isinstance(value, bool):
        raise ValueError(_FORM)
    if isinstance(value, int | float):
        try:
            seconds = float(value)
        except OverflowError:  # an int with hundreds of digits
            raise ValueError(_FORM) from None
    elif isinstance(value, str) and len(value) <= _MAX_TEXT and (match := _PATTERN.match(value)):
        seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"]
    else:
        raise ValueError(_FORM)
    if not math.isfinite(seconds):
        raise ValueError(f"{_FORM}; it must be finite")
    return seconds


def format_duration(seconds: float) -> str:
    """The shortest exact spelling of a duration, for summaries and API output."""
    for unit in ("w", "d", "h", "m", "s"):
        size = _UNITS[unit]
        if seconds >= size and (seconds / size).is_integer():
            return f"{int(seconds / size)}{unit}"
    return f"{round(seconds * 1000, 3):g}ms"


@dataclass(frozen=True, slots=True)
class Bounds:
    """The range a duration field accepts, both ends inclusive, in seconds.

    Used as ``Annotated`` metadata after ``Duration``; the JSON schema (and so
    the OpenAPI document) carries the same minimum and maximum.
    """

    minimum: float = 0.0
    maximum: float = MAX_DURATION

    def __post_init__(self) -> None:
        if not 0.0 <= self.minimum <= self.maximum <= MAX_DURATION:
            raise ValueError(f"bad duration bounds {self.minimum}..{self.maximum}")

    def check(self, seconds: float) -> float:
        if not self.minimum <= seconds <= self.maximum:
            raise ValueError(self.message())
        if 0.0 < seconds < RESOLUTION:
            raise ValueError(f"must be 0 or at least {format_duration(RESOLUTION)}")
        return seconds

    def message(self) -> str:
        low = "0" if self.minimum == 0 else format_duration(self.minimum)
        return f"must be between {low} and {format_duration(self.maximum)}"

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        schema = outer = handler(source)
        # A field's own bounds replace the default ones of ``Duration``, so the message
        # names the field's range ("between 1s and 1d"), not the ten-year ceiling.
        if schema.get("type") == "function-after":
            inner = schema.get("function", {}).get("function")
            if isinstance(getattr(inner, "__self__", None), Bounds):
                schema = schema["schema"]
        checked = core_schema.no_info_after_validator_function(self.check, schema)
        if "serialization" in outer:  # keep ``Duration``'s "30s" spelling in JSON output
            checked["serialization"] = outer["serialization"]
        return checked

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        if json_schema.get("type") == "number":
            json_schema["minimum"] = self.minimum
            json_schema["maximum"] = self.maximum
        elif "anyOf" in json_schema:
            for branch in json_schema["anyOf"]:
                if branch.get("type") == "number":
                    branch["minimum"] = self.minimum
                    branch["maximum"] = self.maximum
        return json_schema


def _input_schema(schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
    """What a client may send: seconds as a number, or a string with a unit."""
    return {
        "anyOf": [
            {"type": "number"},
            {"type": "string", "pattern": _PATTERN.pattern, "maxLength": _MAX_TEXT},
        ],
        "description": "a duration: seconds, or a number with a unit ms, s, m, h, d, w",
    }


class _DurationInput:
    """Describes the accepted input forms in the JSON schema (validation mode only)."""

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        if handler.mode == "validation":
            return _input_schema(schema, handler)
        return {"type": "string", "description": "a duration, e.g. 30s"}


Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    _DurationInput(),
    Bounds(),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
]
"""Any duration from 0 to ten years; narrow it per field with ``Annotated[Duration, Bounds(...)]``."""

PositiveDuration = Annotated[Duration, Bounds(RESOLUTION, MAX_DURATION)]
"""A duration of at least 1 ms (intervals, timeouts): zero would mean "never" or "busy loop"."""
