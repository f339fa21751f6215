"""The shipped Grafana files: datasources match the dashboards, and every InfluxQL query runs
on a real InfluxDB 1.6 holding ICMP results written by the sink."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitord.results import ProbeResult
from tests.influx.feed import influx_config, make_sink
from tests.servers.influxdb import InfluxServer

GRAFANA = Path(__file__).resolve().parents[2] / "config" / "grafana"


HAND_WRITTEN = ("monitord-icmp.json", "monitord-health.json")  # tests/grafana covers the generated ones


def dashboards() -> dict[str, dict[str, Any]]:
    return {name: json.loads((GRAFANA / "dashboards" / name).read_text()) for name in HAND_WRITTEN}


def datasource_uids() -> dict[str, str]:
    uids: dict[str, str] = {}
    for path in (GRAFANA / "provisioning" / "datasources").glob("*.yaml"):
        for source in yaml.safe_load(path.read_text())["datasources"]:
            uids[source["uid"]] = source["type"]
    return uids


def influxql_queries(dashboard: dict[str, Any]) -> list[str]:
    queries = [
        target["query"]
        for panel in dashboard["panels"]
        for target in panel["targets"]
        if target["datasource"]["type"] == "influxdb"
    ]
    queries += [
        variable["query"]
        for variable in dashboard["templating"]["list"]
        if variable["datasource"]["type"] == "influxdb"
    ]
    return queries


def test_every_dashboard_uses_a_provisioned_datasource() -> None:
    uids = datasource_uids()
    assert {"monitord-influxql", "monitord-flux", "monitord-prometheus", "monitord-postgres"} <= set(uids)
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "monitord.yaml").read_text())
    assert provider["providers"][0]["type"] == "file"
    found = dashboards()
    for name, dashboard in found.items():
        for panel in dashboard["panels"]:
            for target in [panel, *panel["targets"]]:
                source = target["datasource"]
                assert uids.get(source["uid"]) == source["type"], f"{name}: {panel['title']}"


@pytest.mark.root
async def test_the_influxql_queries_run_on_real_icmp_data(
    influx_server: InfluxServer, tmp_path: Path
) -> None:
    database = f"grafana_{uuid.uuid4().hex[:8]}"
    influx_server.create_database(database)
    now = time.time_ns()
    results = [
        ProbeResult(
            measurement="icmp",
            target=f"store-{store}-router",
            kind="icmp",
            time_ns=now - step * 10**10,
            ok=True,
            tags={"site": f"store-{store}", "address": f"127.0.0.{store + 10}"},
            fields={
                "up": 1,
                "sent": 5,
                "received": 5,
                "loss_pct": 0.0,
                "rtt_min_ms": 0.1,
                "rtt_avg_ms": 0.3,
                "rtt_median_ms": 0.25,
                "rtt_max_ms": 0.9,
                "rtt_stddev_ms": 0.05,
            },
        )
        for store in range(3)
        for step in range(30)
    ]
    sink, _ = make_sink(influx_config(influx_server.url, api="v1", database=database), tmp_path)
    await sink.start()
    try:
        await sink.write(results)
    finally:
        await sink.stop()
    substitutions = {"$timeFilter": "time > now() - 1h", "$__interval": "1m", "$site": ".*", "$target": ".*"}
    for name, dashboard in dashboards().items():
        for template in influxql_queries(dashboard):
            query = template
            for variable, value in substitutions.items():
                query = query.replace(variable, value)
            series = influx_server.query(database, query)
            assert series, f"{name}: no data for {query}"
