"""Every panel query of every shipped dashboard returns data from the real servers.

A real daemon (tests/grafana/scenario.py) has probed real snmpd and sshd, taken POS
heartbeats and opened and closed tickets; its sink wrote InfluxDB 1.6 (InfluxQL) and
VictoriaMetrics (PromQL), its state store is PostgreSQL (SQL). Each query runs after its
dashboard's template variables are resolved with their own queries and substituted as
Grafana would; a panel that returns nothing, or returns series without the labels its
legend names, fails.
"""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import asyncpg
import pytest

from tests.grafana.dashboards import (
    PanelQuery,
    dashboards,
    expand_sql,
    panel_queries,
    prom_alternation,
    prom_variable_values,
    promql,
    regex_alternation,
    sql_list,
    substitute,
)
from tests.grafana.scenario import Fed

pytestmark = pytest.mark.root

QUERIES = panel_queries()


def sql_rows(fed: Fed, text: str) -> list[dict[str, Any]]:
    async def fetch() -> list[dict[str, Any]]:
        address, database = fed.postgres_dsn.split("/")
        host, port = address.split(":")
        connection = await asyncpg.connect(
            host=host, port=int(port), user="postgres", database=database, timeout=10
        )
        try:
            return [dict(row) for row in await connection.fetch(text, timeout=30)]
        finally:
            await connection.close()

    # Its own thread: asyncio.run here would replace, unclosed, the loop pytest-asyncio left set.
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, fetch()).result()


def variable_values(fed: Fed, variable: dict[str, Any], resolved: dict[str, str]) -> list[str]:
    """What the variable's own query returns, after the variables before it are substituted."""
    source = variable["datasource"]["type"]
    query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
    query = substitute(query, resolved)
    if source == "influxdb":
        found = fed.influx.query(fed.database, query)
        return sorted({str(row[1]) for series in found for row in series["values"]})
    if source == "prometheus":
        return prom_variable_values(fed.victoria.url, query)
    return sorted(str(next(iter(row.values()))) for row in sql_rows(fed, query))


def formatted(source: str, values: list[str]) -> str:
    if source == "influxdb":
        return regex_alternation(values)
    if source == "prometheus":
        return prom_alternation(values)
    return sql_list(values)


@pytest.fixture(scope="session")
def variables(fed: Fed) -> dict[str, dict[str, list[str]]]:
    """Dashboard -> variable -> the values its query returned (variables in dashboard order)."""
    found: dict[str, dict[str, list[str]]] = {}
    for name, dashboard in dashboards().items():
        resolved: dict[str, str] = {}
        found[name] = {}
        for variable in dashboard["templating"]["list"]:
            values = variable_values(fed, variable, resolved)
            found[name][variable["name"]] = values
            if values:
                resolved[variable["name"]] = formatted(variable["datasource"]["type"], values)
    return found


def test_every_variable_resolves(variables: dict[str, dict[str, list[str]]]) -> None:
    empty = [
        f"{dashboard}: ${name}"
        for dashboard, found in variables.items()
        for name, values in found.items()
        if not values
    ]
    assert not empty, f"variables whose query returned nothing: {empty}"
    assert variables["monitord-interfaces.json"]["interface"] == ["Gi0/1", "Gi0/2", "Gi0/3"]
    assert variables["monitord-interfaces-victoriametrics.json"]["interface"] == ["Gi0/1", "Gi0/2", "Gi0/3"]
    assert variables["monitord-pos.json"]["store"] == ["store-a", "store-b"]
    assert variables["monitord-tickets.json"]["priority"] == ["normal", "urgent"]


def _legend_labels(legend: str) -> list[str]:
    return re.findall(r"\{\{\s*(\w+)\s*\}\}", legend)


GROUP_TAGS = re.compile(r"GROUP BY (.*?)(?: fill\(|$)")


def _influx_group_tags(query: str) -> list[str]:
    found = GROUP_TAGS.search(query)
    return re.findall(r'"(\w+)"', found[1]) if found else []


def check_influxql(fed: Fed, query: str) -> None:
    series = fed.influx.query(fed.database, query)
    assert series, f"no series for {query}"
    values = [value for one in series for row in one["values"] for value in row[1:] if value is not None]
    assert values, f"only empty values for {query}"
    for tag in _influx_group_tags(query):
        if tag == "ifAlias":
            continue  # interfaces without a description have no ifAlias: grouped as ""
        missing = [one.get("tags") for one in series if not (one.get("tags") or {}).get(tag)]
        assert not missing, f"series without tag {tag} for {query}: {missing[:3]}"


def check_promql(fed: Fed, item: PanelQuery, expr: str) -> None:
    result = promql(fed.victoria.url, expr, instant=item.instant)
    assert result, f"no series for {expr}"
    for series in result:
        points = [series["value"]] if item.instant else series["values"]
        assert points, f"a series without samples for {expr}: {series['metric']}"
        for label in _legend_labels(item.legend):
            assert series["metric"].get(label), f"legend label {label} missing: {series['metric']}, {expr}"


def check_sql(fed: Fed, text: str) -> None:
    query = expand_sql(text, fed.started - 86400, time.time() + 60)
    rows = sql_rows(fed, query)
    assert rows, f"no rows for {query}"


def selected(
    dashboard: str, variables: dict[str, dict[str, list[str]]], *, everything: bool
) -> dict[str, str]:
    """Each variable as Grafana substitutes it: every value its query returned, or (the dashboard's
    default) *All*, which is the variable's ``allValue`` where it has one."""
    values = {}
    for variable in dashboards()[dashboard]["templating"]["list"]:
        found = variables[dashboard][variable["name"]]
        if everything and "allValue" in variable:
            values[variable["name"]] = variable["allValue"]
        elif found:
            values[variable["name"]] = formatted(variable["datasource"]["type"], found)
    return values


@pytest.mark.parametrize("everything", [False, True], ids=["values", "all"])
@pytest.mark.parametrize("item", QUERIES, ids=[item.name for item in QUERIES])
def test_panel_query_returns_data(
    fed: Fed, variables: dict[str, dict[str, list[str]]], item: PanelQuery, everything: bool
) -> None:
    text = substitute(item.text, selected(item.dashboard, variables, everything=everything))
    assert not re.search(r"\$(?!__unixEpoch)\w", text), f"{item.name}: unresolved variable in {text}"
    if item.source == "influxdb":
        check_influxql(fed, text)
    elif item.source == "prometheus":
        check_promql(fed, item, text)
    else:
        check_sql(fed, text)


def test_every_panel_is_tested() -> None:
    """No panel escapes the query test above (only the health dashboard's scrape metrics)."""
    tested = {(item.dashboard, item.panel_id) for item in QUERIES}
    for name, dashboard in dashboards().items():
        for panel in dashboard["panels"]:
            if (name, panel["id"]) not in tested:
                assert name == "monitord-health.json", f"{name}: panel {panel['title']} has no tested query"
    assert len(tested) > 100


KEY_LABELS = ("target", "store", "terminal", "ifName", "storage", "directory", "site")
PAIRS = [
    (name, name.replace("-victoriametrics", ""))
    for name in sorted(dashboards())
    if name.endswith("-victoriametrics.json") and name != "monitord-icmp-victoriametrics.json"
]


@pytest.mark.parametrize(("promql_file", "influxql_file"), PAIRS)
def test_both_variants_show_the_same_things(
    fed: Fed, variables: dict[str, dict[str, list[str]]], promql_file: str, influxql_file: str
) -> None:
    """Panel by panel, the InfluxQL and the PromQL variant show the same targets, interfaces,
    stores, tills, volumes and directories (the labels their series carry)."""
    by_id = {item.panel_id: item for item in QUERIES if item.dashboard == influxql_file}
    compared = 0
    for panel in dashboards()[promql_file]["panels"]:
        influx = by_id[panel["id"]]
        query = substitute(influx.text, selected(influxql_file, variables, everything=True))
        influx_series = fed.influx.query(fed.database, query)
        influx_keys = {
            (key, value)
            for one in influx_series
            for key, value in (one.get("tags") or {}).items()
            if key in KEY_LABELS and value
        }
        prom_keys = set()
        for target in panel["targets"]:
            item = next(
                q
                for q in QUERIES
                if q.dashboard == promql_file and q.panel_id == panel["id"] and q.ref == target["refId"]
            )
            expr = substitute(item.text, selected(promql_file, variables, everything=True))
            for series in promql(fed.victoria.url, expr, instant=item.instant):
                prom_keys |= {(k, v) for k, v in series["metric"].items() if k in KEY_LABELS and v}
        grouped = {key for key, _ in influx_keys}
        prom_keys = {(key, value) for key, value in prom_keys if key in grouped}
        assert influx_keys == prom_keys, f"{influxql_file} / {promql_file}: {panel['title']}"
        compared += bool(influx_keys)
    assert compared >= len(dashboards()[promql_file]["panels"]) - 1


@pytest.mark.parametrize("name", ["monitord-interfaces.json", "monitord-interfaces-victoriametrics.json"])
def test_all_interfaces_includes_those_without_a_description(
    fed: Fed, variables: dict[str, dict[str, list[str]]], name: str
) -> None:
    """*All* descriptions must not hide Gi0/3, which has no ifAlias (so no ifAlias tag or label)."""
    item = next(q for q in QUERIES if q.dashboard == name and q.title == "Interfaces now" and q.ref == "A")
    text = substitute(item.text, selected(name, variables, everything=True))
    if item.source == "influxdb":
        names = {series["tags"]["ifName"] for series in fed.influx.query(fed.database, text)}
    else:
        names = {series["metric"]["ifName"] for series in promql(fed.victoria.url, text, instant=True)}
    assert names == {"Gi0/1", "Gi0/2", "Gi0/3"}
