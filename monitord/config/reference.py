"""The configuration reference, generated from the pydantic models themselves.

``python -m monitord.config.reference > docs/configuration.md`` (or ``make docs``)
writes it. The models are the one source of truth: every field carries a
``description``, and a test fails when docs/configuration.md differs from what
this module renders, or when a field reachable from ``MonitordConfig`` has no
description. Probe kinds come from ``probes.REGISTRY``, so a new kind appears
here as soon as it is registered.
"""

from __future__ import annotations

import datetime as dt
import enum
import sys
import types
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, cast, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ByteSize, HttpUrl, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from monitord.config.durations import MAX_DURATION, RESOLUTION, Bounds, format_duration
from monitord.config.model import MonitordConfig
from probes import REGISTRY

# ``probes:`` is free-form at the root (one mapping per kind, checked against the
# kind's settings model when targets are resolved); it is documented per kind.
PROBES_SECTION = "probes"


@dataclass(frozen=True, slots=True)
class FieldDoc:
    """One field as the reference shows it."""

    path: str
    model: type[BaseModel]
    name: str
    info: FieldInfo

    @property
    def key(self) -> str:
        return self.info.alias or self.name


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """Strip ``Annotated`` layers, collecting their metadata."""
    metadata: list[Any] = []
    while get_origin(annotation) is Annotated:
        args = get_args(annotation)
        annotation = args[0]
        for item in args[1:]:
            if isinstance(item, FieldInfo):
                metadata.extend(item.metadata)
            else:
                metadata.append(item)
    return annotation, metadata


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType)


def nested_models(annotation: Any) -> list[tuple[str, type[BaseModel]]]:
    """Models inside an annotation, with the path suffix that reaches them (``[]``, ``.<key>``)."""
    annotation, _ = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [("", annotation)]
    origin = get_origin(annotation)
    args = get_args(annotation)
    if _is_union(annotation):
        return [found for arg in args for found in nested_models(arg)]
    if origin in (list, tuple, set, frozenset, Sequence):
        return [
            ("[]" + suffix, model)
            for arg in args
            if arg is not Ellipsis
            for suffix, model in nested_models(arg)
        ]
    if origin in (dict, Mapping):
        return [(".<name>" + suffix, model) for suffix, model in nested_models(args[1])]
    return []


def walk(model: type[BaseModel], prefix: str) -> Iterator[FieldDoc]:
    """Every field of ``model`` and of the models nested in it, depth first."""
    for name, info in model.model_fields.items():
        doc = FieldDoc(
            path=f"{prefix}.{info.alias or name}" if prefix else info.alias or name,
            model=model,
            name=name,
            info=info,
        )
        yield doc
        for suffix, inner in nested_models(info.annotation):
            yield from walk(inner, doc.path + suffix)


def probe_kinds() -> list[tuple[str, type[BaseModel]]]:
    """``(kind, settings model)`` of every registered probe kind, sorted by name."""
    return [(name, REGISTRY[name].settings_model) for name in sorted(REGISTRY)]


def all_fields() -> Iterator[FieldDoc]:
    """Every field reachable from the configuration root, probe settings included."""
    yield from walk(MonitordConfig, "")
    for kind, settings in probe_kinds():
        yield from walk(settings, f"{PROBES_SECTION}.{kind}")


def undescribed() -> list[str]:
    """Paths of fields without a description (the test of that name wants none)."""
    return [doc.path for doc in all_fields() if not (doc.info.description or "").strip()]


# ---------------------------------------------------------------- rendering


def _duration_bounds(metadata: list[Any]) -> Bounds | None:
    found = [item for item in metadata if isinstance(item, Bounds)]
    return found[-1] if found else None


def type_name(annotation: Any, metadata: Sequence[Any] = ()) -> str:
    """A short, admin-readable spelling of a field's type."""
    annotation, inner = _unwrap(annotation)
    metadata = [*metadata, *inner]
    if _duration_bounds(metadata) is not None:
        return "duration"
    if _is_union(annotation):
        names = [type_name(arg) for arg in get_args(annotation) if arg is not type(None)]
        optional = type(None) in get_args(annotation)
        return " or ".join(names) + (" or null" if optional else "")
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Literal:
        return " \\| ".join(f"`{arg}`" for arg in args)
    if origin in (list, tuple, set, frozenset, Sequence):
        return f"list of {type_name(args[0])}"
    if origin in (dict, Mapping):
        return f"map of {type_name(args[0])} to {type_name(args[1])}"
    if annotation is Any:
        return "any"
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
        if issubclass(annotation, SecretStr):
            return "secret"
        if issubclass(annotation, ByteSize):
            return "size (bytes; `50MB`, `1GiB`)"
        if issubclass(annotation, bool):
            return "boolean"
        if issubclass(annotation, enum.Enum):
            return " \\| ".join(f"`{member.value}`" for member in annotation)
        simple = {
            int: "integer",
            float: "number",
            str: "string",
            Path: "path",
            HttpUrl: "URL",
            dt.time: "time (`HH:MM`)",
            dt.date: "date (`YYYY-MM-DD`)",
            dt.datetime: "date-time (ISO 8601)",
        }
        if annotation in simple:
            return simple[annotation]
        return annotation.__name__
    return str(annotation)


def _is_duration(info: FieldInfo) -> bool:
    _, inner = _unwrap(info.annotation)
    return _duration_bounds([*info.metadata, *inner]) is not None


def _show(value: Any, duration: bool) -> str:
    if duration and isinstance(value, int | float) and not isinstance(value, bool):
        return f"`{format_duration(float(value))}`" if value else "`0s`"
    if isinstance(value, BaseModel):
        return "(see below)"
    if isinstance(value, SecretStr):
        return f"`{value.get_secret_value()}`"
    if isinstance(value, enum.Enum):
        return f"`{value.value}`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if value is None:
        return "none"
    if value == "":
        return '`""`'
    if isinstance(value, list | tuple):
        if value and all(isinstance(item, BaseModel) for item in value):
            names = [str(getattr(item, "name", "")) for item in value]
            return "built in: " + ", ".join(f"`{name}`" for name in names)
        return "`[" + ", ".join(_plain(item) for item in value) + "]`"
    if isinstance(value, dict):
        return "`{}`" if not value else "`" + repr(value) + "`"
    if isinstance(value, dt.time):
        return f"`{value.strftime('%H:%M')}`"
    return f"`{_plain(value)}`"


def _plain(value: Any) -> str:
    if isinstance(value, Path | str):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def default_text(info: FieldInfo) -> str:
    """The default as the YAML file would spell it, or ``required``."""
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
    elif info.default is PydanticUndefined:
        return "required"
    else:
        value = info.default
    return _show(value, _is_duration(info))


def _limit(value: Any, duration: bool) -> str:
    if duration:
        return format_duration(float(value)) if value else "0"
    return _plain(value)


def bounds_text(info: FieldInfo) -> str:
    """Numeric, length and pattern limits, or an empty string."""
    _, inner = _unwrap(info.annotation)
    metadata = [*info.metadata, *inner]
    bounds = _duration_bounds(metadata)
    duration = bounds is not None
    low: tuple[Any, bool] | None = None  # (value, inclusive)
    high: tuple[Any, bool] | None = None
    length_low: int | None = None
    length_high: int | None = None
    pattern: str | None = None
    if bounds is not None:
        low = (bounds.minimum, True) if bounds.minimum else None
        high = (bounds.maximum, True) if bounds.maximum != MAX_DURATION else None
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            low = (max(low[0] if low else 0.0, float(cast(float, item.ge))) if duration else item.ge, True)
        elif isinstance(item, annotated_types.Gt):
            low = (item.gt, False)
        elif isinstance(item, annotated_types.Le):
            high = (item.le, True)
        elif isinstance(item, annotated_types.Lt):
            high = (item.lt, False)
        elif isinstance(item, annotated_types.MinLen) and item.min_length > 0:
            length_low = item.min_length
        elif isinstance(item, annotated_types.MaxLen):
            length_high = item.max_length
        elif getattr(item, "pattern", None):
            pattern = item.pattern
    if duration and low == (RESOLUTION, True):
        low = (0, False)  # PositiveDuration: anything above zero (at 1 ms resolution)
    parts: list[str] = []
    if low is not None and high is not None and low[1] and high[1]:
        parts.append(f"{_limit(low[0], duration)} to {_limit(high[0], duration)}")
    else:
        if low is not None:
            parts.append(f"{'>=' if low[1] else '>'} {_limit(low[0], duration)}")
        if high is not None:
            parts.append(f"{'<=' if high[1] else '<'} {_limit(high[0], duration)}")
    if length_low is not None and length_high is not None:
        parts.append(f"length {length_low} to {length_high}")
    elif length_low is not None:
        parts.append(f"length >= {length_low}")
    elif length_high is not None:
        parts.append(f"length <= {length_high}")
    if pattern:
        parts.append(f"matches `{pattern}`")
    return "; ".join(parts)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _doc(model: type[BaseModel]) -> str:
    return " ".join((model.__doc__ or "").split()).replace("``", "`")


def _table(model: type[BaseModel], prefix: str, skip: frozenset[str] = frozenset()) -> list[str]:
    lines = ["| key | type | default | bounds | description |", "|---|---|---|---|---|"]
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        key = info.alias or name
        lines.append(
            f"| `{key}` | {type_name(info.annotation, info.metadata)} | {_cell(default_text(info))} "
            f"| {_cell(bounds_text(info))} | {_cell(info.description or '')} |"
        )
    return lines


def _sections(
    model: type[BaseModel],
    path: str,
    seen: dict[type[BaseModel], str],
    level: int,
    skip: frozenset[str] = frozenset(),
) -> list[str]:
    """A heading and table for ``model``, then one for each model nested in it (once each)."""
    seen[model] = path
    out = [f"{'#' * level} {model.__name__}", "", f"Path: `{path}`" if path else "The file's top level.", ""]
    if _doc(model):
        out += [_doc(model), ""]
    out += [*_table(model, path, skip), ""]
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        for suffix, inner in nested_models(info.annotation):
            inner_path = f"{path}.{info.alias or name}{suffix}" if path else f"{info.alias or name}{suffix}"
            if inner in seen:
                continue
            out += _sections(inner, inner_path, seen, min(level + 1, 4))
    return out


INTRO = """\
# Configuration reference

<!-- Generated by `python -m monitord.config.reference` (`make docs`) from the
     pydantic models; do not edit by hand: a test fails when this file is stale. -->

The configuration is one YAML file: `monitord run -c PATH`, else `$MONITORD_CONFIG`,
else `/etc/monitord/monitord.yaml`. Every key can be overridden by an environment
variable `MONITORD_<SECTION>__<KEY>` (`__` separates nesting levels, e.g.
`MONITORD_HTTP__LISTEN=0.0.0.0:8470`); the environment wins over the file.

- **Unknown keys are errors** everywhere. `monitord check-config -c FILE` prints a
  summary and exits 0, or prints every problem as `path.to.field: message` and exits 2;
  [configuration-errors.md](configuration-errors.md) lists the messages.
- **Durations** are `250ms`, `30s`, `5m`, `2h`, `1d`, `1w` or a number of seconds.
- **Secrets** are a string or `{file: PATH}`; the path may use environment variables,
  so systemd credentials work as `{file: "${CREDENTIALS_DIRECTORY}/influx-token"}`.
  Secrets never appear in logs, reprs, pages or API output.
- **Paths** below use `[]` for a list item and `<name>` for a key you choose.

The example file [config/monitord.example.yaml](../config/monitord.example.yaml) loads
as shipped (a test checks it).
"""

PROBES_INTRO = """\
## Probe kinds

`probes.<kind>` holds the defaults of one probe kind. The same settings can be given
(as overrides) in `sites.<name>.probes.<kind>`, `groups.<name>.probes.<kind>` and
`targets[].probes.<kind>`; they merge `probes.<kind>` < site < groups (in order) <
target, then validate against the kind's model below. `false` switches off a kind that
a site or group enabled. Every kind has `interval` (the schedule) and `timeout` (the
scheduler's deadline for one run: its expiry is a failed result).
"""


def render() -> str:
    """The whole of docs/configuration.md."""
    seen: dict[type[BaseModel], str] = {}
    out = [INTRO, "## Sections", ""]
    root_fields = MonitordConfig.model_fields
    out += ["| key | type | default | description |", "|---|---|---|---|"]
    for name, info in root_fields.items():
        out.append(
            f"| `{name}` | {type_name(info.annotation, info.metadata)} | "
            f"{_cell(default_text(info))} | {_cell(info.description or '')} |"
        )
    out.append("")
    seen[MonitordConfig] = ""
    for name, info in root_fields.items():
        for suffix, inner in nested_models(info.annotation):
            if inner not in seen:
                out += _sections(inner, f"{name}{suffix}", seen, 2)
    out += [PROBES_INTRO]
    for kind, settings in probe_kinds():
        probe = REGISTRY[kind]
        out += [
            f"### Probe kind `{kind}`",
            "",
            f"Settings model `{settings.__name__}`; measurement `{probe.measurement}`; "
            f"default concurrency {probe.default_concurrency} runs "
            f"(`daemon.max_concurrency.{kind}`). See [probes/{kind}.md](probes/{kind}.md).",
            "",
        ]
        if _doc(settings):
            out += [_doc(settings), ""]
        out += [*_table(settings, f"{PROBES_SECTION}.{kind}"), ""]
        for field_name, info in settings.model_fields.items():
            for suffix, inner in nested_models(info.annotation):
                if inner not in seen:
                    out += _sections(
                        inner, f"{PROBES_SECTION}.{kind}.{info.alias or field_name}{suffix}", seen, 4
                    )
    return "\n".join(out).rstrip("\n") + "\n"


def main() -> int:
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
