"""Grafana's dashboard JSON model, built from one description per panel (see generate.py).

A panel is written once with both of its queries, InfluxQL and PromQL/MetricsQL, and
rendered into each variant of its dashboard; its place on the 24-column grid is computed
(``layout``), so panels never overlap.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 39  # Grafana 10.4 / 11.x
GRID_COLUMNS = 24

INFLUXQL = {"type": "influxdb", "uid": "monitord-influxql"}
PROMETHEUS = {"type": "prometheus", "uid": "monitord-prometheus"}
# "postgres" as provisioning files spell it; Grafana 11+ shows it as grafana-postgresql-datasource.
POSTGRES = {"type": "postgres", "uid": "monitord-postgres"}

VARIANTS = {"influxql": ("", INFLUXQL), "promql": ("-victoriametrics", PROMETHEUS)}

# IF-MIB ifOperStatus / ifAdminStatus, UPS-MIB upsBatteryStatus, and monitord's codes.
OPER_STATUS = {
    1: ("up", "green"),
    2: ("down", "red"),
    3: ("testing", "blue"),
    4: ("unknown", "gray"),
    5: ("dormant", "purple"),
    6: ("notPresent", "gray"),
    7: ("lowerLayerDown", "orange"),
}
ADMIN_STATUS = {1: ("up", "green"), 2: ("down", "gray"), 3: ("testing", "blue")}
BATTERY_STATUS = {
    1: ("unknown", "gray"),
    2: ("normal", "green"),
    3: ("low", "orange"),
    4: ("depleted", "red"),
}
UP_DOWN = {0: ("DOWN", "red"), 1: ("up", "green")}
YES_NO = {0: ("no", "red"), 1: ("yes", "green")}
PROBLEM = {0: ("ok", "green"), 1: ("PROBLEM", "red")}
STORE_STATUS = {0: ("DOWN", "red"), 1: ("closed", "gray"), 2: ("open", "green")}
STATES = "states"  # a column of monitord's state words (up, open, closed, pending, down, ...)
TEXT_STATES = {
    "up": "green",
    "open": "green",
    "closed": "gray",
    "pending": "yellow",
    "down": "red",
    "unreachable": "orange",
}


@dataclass(frozen=True)
class Query:
    """One series of a panel in both languages.

    ``influxql`` aliases its columns with ``AS`` (tables) or ``alias`` (graphs, Grafana's
    ``$tag_x``/``$col`` patterns); ``legend`` is the PromQL ``legendFormat`` and, for a table
    built from several instant queries, the column name of its value.
    """

    influxql: str | None
    promql: str | None
    legend: str = ""
    alias: str = ""
    sql: str | None = None  # the tickets dashboard: PostgreSQL


@dataclass(frozen=True)
class Panel:
    title: str
    queries: tuple[Query, ...]
    kind: str = "timeseries"  # timeseries, table, stat, bargauge, state-timeline, barchart
    width: int = 12
    height: int = 8
    unit: str | None = None
    description: str = ""
    mappings: dict[Any, tuple[str, str]] | None = None  # value -> (text, colour), whole panel
    # Per table column: value -> (text, colour), or STATES for monitord's state words.
    columns: dict[str, dict[Any, tuple[str, str]] | str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)  # column or series name -> unit
    minimum: float | None = None
    maximum: float | None = None
    sort_by: str | None = None  # table: column to sort on, descending
    limit: int | None = None  # table: keep the first N rows after sorting
    negative: str | None = None  # series names matching this regexp are drawn below the axis
    bars: bool = False
    stacked: bool = False


@dataclass(frozen=True)
class Variable:
    name: str
    label: str
    influxql: str | None
    promql: str | None  # label_values(...) as Grafana's Prometheus datasource reads it
    sql: str | None = None


@dataclass(frozen=True)
class Dashboard:
    slug: str
    title: str
    description: str
    tags: tuple[str, ...]
    variables: tuple[Variable, ...]
    panels: tuple[Panel, ...]
    variants: tuple[str, ...] = ("influxql", "promql")
    refresh: str = "1m"
    time_from: str = "now-6h"


# -- query text ------------------------------------------------------------------------------


def influx_where(*conditions: str) -> str:
    return " AND ".join((*conditions, "$timeFilter"))


def matches(tag: str, variable: str) -> str:
    """InfluxQL: the tag matches the (multi-value) template variable."""
    return f'"{tag}" =~ /^${variable}$/'


def series(metric: str, selector: str) -> str:
    return f"{metric}{{{selector}}}"


# -- panel JSON --------------------------------------------------------------------------


def _mapping(values: dict[Any, tuple[str, str]]) -> list[dict[str, Any]]:
    return [
        {
            "type": "value",
            "options": {
                str(value): {"text": text, "color": colour, "index": index}
                for index, (value, (text, colour)) in enumerate(values.items())
            },
        }
    ]


def _text_mapping() -> list[dict[str, Any]]:
    return _mapping({state: (state, colour) for state, colour in TEXT_STATES.items()})


def _influx_target(ref: str, query: Query, table: bool) -> dict[str, Any]:
    target: dict[str, Any] = {
        "refId": ref,
        "datasource": INFLUXQL,
        "rawQuery": True,
        "resultFormat": "table" if table else "time_series",
        "query": query.influxql,
    }
    if query.alias:
        target["alias"] = query.alias
    return target


def _prom_target(ref: str, query: Query, table: bool, instant: bool) -> dict[str, Any]:
    return {
        "refId": ref,
        "datasource": PROMETHEUS,
        "expr": query.promql,
        "legendFormat": query.legend,
        "range": not instant,
        "instant": instant,
        "format": "table" if table else "time_series",
        "editorMode": "code",
    }


def _targets(panel: Panel, variant: str) -> list[dict[str, Any]]:
    table = panel.kind == "table"
    instant = panel.kind in ("table", "stat", "bargauge")
    targets = []
    for index, query in enumerate(panel.queries):
        ref = chr(ord("A") + index)
        if variant == "influxql" and query.influxql:
            targets.append(_influx_target(ref, query, table))
        elif variant == "promql" and query.promql:
            targets.append(_prom_target(ref, query, table, instant))
        elif variant == "sql" and query.sql:
            targets.append(
                {
                    "refId": ref,
                    "datasource": POSTGRES,
                    "rawQuery": True,
                    "editorMode": "code",
                    "format": "time_series" if panel.kind == "timeseries" else "table",
                    "rawSql": query.sql,
                }
            )
    return targets


def _transformations(panel: Panel, variant: str, targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = []
    if panel.kind == "table" and variant == "promql":
        # Several instant queries -> one row per series, one column per query.
        rename = {}
        for target, query in zip(targets, [q for q in panel.queries if q.promql], strict=True):
            rename[f"Value #{target['refId']}" if len(targets) > 1 else "Value"] = query.legend
        steps.append({"id": "merge", "options": {}})
        steps.append(
            {
                "id": "organize",
                "options": {
                    "excludeByName": {"Time": True, "__name__": True, "host": True, "ifIndex": True},
                    "renameByName": rename,
                },
            }
        )
    if panel.kind == "table" and variant == "influxql":
        steps.append({"id": "organize", "options": {"excludeByName": {"Time": True}}})
    if panel.sort_by:
        steps.append({"id": "sortBy", "options": {"sort": [{"field": panel.sort_by, "desc": True}]}})
    if panel.limit:
        steps.append({"id": "limit", "options": {"limitField": panel.limit}})
    return steps


def _field_config(panel: Panel) -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    if panel.unit:
        defaults["unit"] = panel.unit
    if panel.minimum is not None:
        defaults["min"] = panel.minimum
    if panel.maximum is not None:
        defaults["max"] = panel.maximum
    if panel.mappings:
        defaults["mappings"] = _mapping(panel.mappings)
        defaults["color"] = {"mode": "thresholds"}
    if panel.kind == "timeseries":
        defaults["custom"] = {
            "drawStyle": "bars" if panel.bars else "line",
            "lineWidth": 1,
            "fillOpacity": 60 if panel.bars else 10,
            "spanNulls": False,
            "stacking": {"mode": "normal" if panel.stacked else "none"},
        }
    overrides: list[dict[str, Any]] = []
    for column, values in panel.columns.items():
        mapping = _text_mapping() if values == STATES else _mapping(values)  # type: ignore[arg-type]
        overrides.append(
            {
                "matcher": {"id": "byName", "options": column},
                "properties": [
                    {"id": "mappings", "value": mapping},
                    {"id": "custom.cellOptions", "value": {"type": "color-background"}},
                ],
            }
        )
    for column, unit in panel.units.items():
        overrides.append(
            {"matcher": {"id": "byName", "options": column}, "properties": [{"id": "unit", "value": unit}]}
        )
    if panel.negative:
        overrides.append(
            {
                "matcher": {"id": "byRegexp", "options": panel.negative},
                "properties": [{"id": "custom.transform", "value": "negative-Y"}],
            }
        )
    return {"defaults": defaults, "overrides": overrides}


def _options(panel: Panel) -> dict[str, Any]:
    if panel.kind == "timeseries":
        return {
            "legend": {
                "displayMode": "table",
                "placement": "bottom",
                "calcs": ["mean", "max", "lastNotNull"],
            },
            "tooltip": {"mode": "multi", "sort": "desc"},
        }
    if panel.kind == "state-timeline":
        return {"showValue": "never", "mergeValues": True, "rowHeight": 0.8, "legend": {"showLegend": False}}
    if panel.kind == "stat":
        return {
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "colorMode": "background",
            "graphMode": "none",
            "textMode": "value_and_name",
            "orientation": "auto",
            "justifyMode": "center",
        }
    if panel.kind == "bargauge":
        return {
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "orientation": "horizontal",
            "displayMode": "gradient",
            "showUnfilled": True,
        }
    if panel.kind == "barchart":
        return {
            "xTickLabelRotation": 0,
            "stacking": "normal",
            "legend": {"displayMode": "list", "placement": "bottom"},
        }
    return {"showHeader": True, "cellHeight": "sm"}


def layout(panels: tuple[Panel, ...]) -> list[dict[str, int]]:
    """Places panels left to right on Grafana's 24-column grid, a new line when one is full."""
    places = []
    x = y = line_height = 0
    for panel in panels:
        if not 0 < panel.width <= GRID_COLUMNS:
            raise ValueError(f"{panel.title}: width {panel.width} does not fit the grid")
        if x + panel.width > GRID_COLUMNS:
            x, y, line_height = 0, y + line_height, 0
        places.append({"h": panel.height, "w": panel.width, "x": x, "y": y})
        x += panel.width
        line_height = max(line_height, panel.height)
    return places


def sketch(model: dict[str, Any]) -> str:
    """The dashboard's grid as text: three characters per column, one line per two grid rows."""
    panels = model["panels"]
    height = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels) // 2 + 1
    canvas = [[" "] * (GRID_COLUMNS * 3 + 1) for _ in range(height)]
    for panel in panels:
        grid = panel["gridPos"]
        left, right = grid["x"] * 3, (grid["x"] + grid["w"]) * 3
        top, bottom = grid["y"] // 2, (grid["y"] + grid["h"]) // 2
        for x in range(left, right + 1):
            canvas[top][x] = canvas[bottom][x] = "-"
        for y in range(top, bottom + 1):
            canvas[y][left] = canvas[y][right] = "|" if y not in (top, bottom) else "+"
        label = f"{panel['id']} {panel['title']}"[: right - left - 2]
        canvas[top + 1][left + 2 : left + 2 + len(label)] = list(label)
    return "\n".join("".join(line).rstrip() for line in canvas) + "\n"


def _variable(variable: Variable, variant: str, source: dict[str, str]) -> dict[str, Any]:
    query = {"influxql": variable.influxql, "promql": variable.promql, "sql": variable.sql}[variant]
    found: dict[str, Any] = {
        "name": variable.name,
        "label": variable.label,
        "type": "query",
        "datasource": source,
        "query": query,
        "definition": query,
        "refresh": 2,
        "multi": True,
        "includeAll": True,
        "current": {"text": "All", "value": "$__all"},
        "sort": 1,
    }
    if variant != "sql":
        found["allValue"] = ".*"  # matches series without the tag too (e.g. no ifAlias)
    return found


def render(dashboard: Dashboard, variant: str) -> dict[str, Any]:
    """One dashboard variant as Grafana's JSON model."""
    suffix, source = VARIANTS.get(variant, ("", POSTGRES))
    panels = []
    for number, (panel, place) in enumerate(zip(dashboard.panels, layout(dashboard.panels), strict=True), 1):
        targets = _targets(panel, variant)
        if not targets:
            raise ValueError(f"{dashboard.slug}: panel {panel.title!r} has no {variant} query")
        item: dict[str, Any] = {
            "id": number,
            "type": panel.kind,
            "title": panel.title,
            "datasource": source,
            "gridPos": place,
            "targets": targets,
            "fieldConfig": _field_config(panel),
            "options": _options(panel),
        }
        if panel.description:
            item["description"] = panel.description
        steps = _transformations(panel, variant, targets)
        if steps:
            item["transformations"] = steps
        panels.append(item)
    language = {
        "influxql": "InfluxQL, datasource monitord-influxql",
        "promql": "PromQL/MetricsQL on VictoriaMetrics, datasource monitord-prometheus",
        "sql": "SQL on the PostgreSQL state store, datasource monitord-postgres",
    }[variant]
    return {
        "uid": f"monitord-{dashboard.slug}{suffix}",
        "title": f"monitord: {dashboard.title}" + (" (VictoriaMetrics)" if variant == "promql" else ""),
        "description": f"{dashboard.description} ({language}). Generated by config/grafana/generate.py.",
        "tags": ["monitord", *dashboard.tags, variant],
        "timezone": "browser",
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "editable": True,
        "graphTooltip": 1,
        "refresh": dashboard.refresh,
        "time": {"from": dashboard.time_from, "to": "now"},
        "templating": {"list": [_variable(v, variant, source) for v in dashboard.variables]},
        "annotations": {"list": []},
        "panels": panels,
    }


def text(model: dict[str, Any]) -> str:
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"
