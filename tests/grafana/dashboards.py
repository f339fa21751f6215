"""Reading the shipped dashboards as Grafana would: their queries, variables and macros.

Grafana is not installable from the registries here (docs/dashboards.md says how that was
checked), so this module does the part of its work the tests need: resolve each template
variable with its own query, substitute the values the way Grafana formats them for each
datasource (regex alternations for InfluxQL and PromQL, quoted lists for SQL), expand the
time macros, and run the result on the real server.
"""

from __future__ import annotations

import importlib.util
import json
import re
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

GRAFANA = Path(__file__).resolve().parents[2] / "config" / "grafana"
DASHBOARDS = GRAFANA / "dashboards"
# The scenario's data is a few seconds old: every query looks back an hour, in steps of 2 s.
WINDOW_S = 3600
INTERVAL = "2s"
TIME_MACROS = {
    "$timeFilter": f"time > now() - {WINDOW_S}s",
    "$__interval": INTERVAL,
    "$__rate_interval": "1m",
    "$__range": f"{WINDOW_S}s",
}
# The health dashboard's PromQL reads the daemon's own /metrics (a scrape job), which the
# scenario does not set up; tests/influx/test_grafana.py covers its InfluxQL table.
NOT_FROM_THE_SINK = {("monitord-health.json", "prometheus")}


def dashboards() -> dict[str, dict[str, Any]]:
    return {path.name: json.loads(path.read_text()) for path in sorted(DASHBOARDS.glob("*.json"))}


def datasources() -> dict[str, str]:
    """Provisioned datasource uid -> type."""
    found: dict[str, str] = {}
    for path in sorted((GRAFANA / "provisioning" / "datasources").glob("*.yaml")):
        for source in yaml.safe_load(path.read_text())["datasources"]:
            found[source["uid"]] = source["type"]
    return found


def generator() -> ModuleType:
    """config/grafana/generate.py, imported from its path."""
    spec = importlib.util.spec_from_file_location("monitord_grafana_generate", GRAFANA / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class PanelQuery:
    """One target of one panel."""

    dashboard: str
    panel_id: int
    title: str
    panel_type: str
    ref: str
    source: str  # influxdb, prometheus or postgres
    text: str
    legend: str
    instant: bool

    @property
    def name(self) -> str:
        return f"{self.dashboard.removesuffix('.json')}#{self.panel_id}{self.ref}"


def panel_queries() -> list[PanelQuery]:
    found = []
    for name, dashboard in dashboards().items():
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                source = target["datasource"]["type"]
                if (name, source) in NOT_FROM_THE_SINK:
                    continue
                text = target.get("query") or target.get("expr") or target.get("rawSql")
                found.append(
                    PanelQuery(
                        name,
                        panel["id"],
                        panel["title"],
                        panel["type"],
                        target["refId"],
                        source,
                        text,
                        target.get("legendFormat", ""),
                        bool(target.get("instant")),
                    )
                )
    return found


def overlapping(panels: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Pairs of panel titles whose grid rectangles share a cell."""
    found = []
    for index, one in enumerate(panels):
        for other in panels[index + 1 :]:
            a, b = one["gridPos"], other["gridPos"]
            apart = (
                a["x"] + a["w"] <= b["x"]
                or b["x"] + b["w"] <= a["x"]
                or a["y"] + a["h"] <= b["y"]
                or b["y"] + b["h"] <= a["y"]
            )
            if not apart:
                found.append((one["title"], other["title"]))
    return found


# -- servers -----------------------------------------------------------------------------------


def prometheus(base_url: str, path: str, **params: str) -> Any:
    """GET a Prometheus API path on VictoriaMetrics; the ``data`` of a successful answer."""
    query = urllib.parse.urlencode(params)
    try:
        with urllib.request.urlopen(f"{base_url}{path}?{query}", timeout=30) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise AssertionError(f"VictoriaMetrics refused {params}: {exc.read().decode()[:500]}") from None
    assert body["status"] == "success", body
    return body["data"]


def promql(base_url: str, expr: str, *, instant: bool) -> list[dict[str, Any]]:
    now = time.time()
    if instant:
        data = prometheus(base_url, "/api/v1/query", query=expr, time=f"{now:.3f}")
    else:
        data = prometheus(
            base_url,
            "/api/v1/query_range",
            query=expr,
            start=f"{now - WINDOW_S:.3f}",
            end=f"{now:.3f}",
            step=INTERVAL,
        )
    result: list[dict[str, Any]] = data["result"]
    return result


LABEL_VALUES = re.compile(r"^label_values\((?:(?P<selector>.+),\s*)?(?P<label>\w+)\)$")


def prom_variable_values(base_url: str, query: str) -> list[str]:
    """What Grafana's ``label_values(selector, label)`` returns."""
    found = LABEL_VALUES.match(query.strip())
    assert found, f"not a label_values() query: {query}"
    now = time.time()
    params = {"start": f"{now - WINDOW_S:.0f}", "end": f"{now:.0f}"}
    if found["selector"]:
        params["match[]"] = found["selector"]
    return sorted(prometheus(base_url, f"/api/v1/label/{found['label']}/values", **params))


# -- Grafana's formatting of variables and macros ----------------------------------------------


def regex_alternation(values: list[str]) -> str:
    """Grafana's multi-value regex for InfluxQL: ``(a|b)``, regex characters and ``/`` escaped."""
    escaped = [re.sub(r"([\\^$*+?.()|\[\]{}/])", r"\\\1", value) for value in values]
    return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"


def prom_alternation(values: list[str]) -> str:
    """The same inside a PromQL string literal, where each backslash is doubled."""
    escaped = [re.sub(r"([\\^$*+?.()|\[\]{}])", r"\\\\\1", value) for value in values]
    return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"


def sql_list(values: list[str]) -> str:
    return ",".join("'" + value.replace("'", "''") + "'" for value in values)


def substitute(text: str, values: dict[str, str]) -> str:
    """Variables (longest name first, so $site does not eat $site_x) and time macros."""
    for name in sorted(values, key=len, reverse=True):
        text = text.replace(f"${name}", values[name])
    for macro, value in TIME_MACROS.items():
        text = text.replace(macro, value)
    return text


SQL_GROUP = re.compile(r"\$__unixEpochGroupAlias\((\w+),\s*'?(\d+)([smhd])'?\)")
SQL_FILTER = re.compile(r"\$__unixEpochFilter\((\w+)\)")
SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def expand_sql(text: str, start: float, end: float) -> str:
    """Grafana's SQL macros for epoch-second columns, as its PostgreSQL datasource expands them."""

    def group(found: re.Match[str]) -> str:
        seconds = int(found[2]) * SECONDS[found[3]]
        return f'floor({found[1]}/{seconds})*{seconds} AS "time"'

    text = SQL_GROUP.sub(group, text)
    text = SQL_FILTER.sub(lambda m: f"{m[1]} >= {start:.0f} AND {m[1]} <= {end:.0f}", text)
    assert "$__" not in text, f"unexpanded macro in {text}"
    return text
