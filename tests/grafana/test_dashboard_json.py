"""What Grafana needs to import the shipped dashboards, and their layout on its grid.

Grafana itself cannot be installed from the registries here (docs/dashboards.md), so this
checks what its importer and provisioning rely on: a schema version, unique uids and panel
ids, datasources that the provisioning files define (uid and type), variables that are
defined before use and used, and panels that sit inside the 24-column grid without
overlapping. The generated files must equal what config/grafana/generate.py writes.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests.grafana.dashboards import DASHBOARDS, GRAFANA, dashboards, datasources, generator, overlapping

BUILT_INS = {
    "timeFilter",
    "__interval",
    "__interval_ms",
    "__rate_interval",
    "__range",
    "__range_s",
    "__unixEpochFilter",
    "__unixEpochGroupAlias",
    "__from",
    "__to",
    "col",
}
DASHBOARD_NAMES = sorted(dashboards())


def test_generated_dashboards_are_up_to_date() -> None:
    module = generator()
    rendered = module.rendered()
    assert len(rendered) == 16
    for name, model in rendered.items():
        path = DASHBOARDS / name
        assert path.exists(), f"{name} not written: run python3 config/grafana/generate.py"
        assert path.read_text() == module.text(model), f"{name} is out of date: run generate.py"
    assert set(dashboards()) == set(rendered) | {"monitord-icmp.json", "monitord-health.json"}


def test_both_variants_have_the_same_panels_in_the_same_places() -> None:
    found = dashboards()
    pairs = [(name.replace("-victoriametrics", ""), name) for name in found if "-victoriametrics" in name]
    assert len(pairs) == 8
    for influxql, promql in pairs:
        placed = [[(p["title"], p["gridPos"]) for p in found[name]["panels"]] for name in (influxql, promql)]
        if influxql != "monitord-icmp.json":  # hand-written; its counterpart only follows it loosely
            assert placed[0] == placed[1], f"{influxql} and {promql} differ"


def test_uids_and_titles_are_unique() -> None:
    found = dashboards()
    uids = [d["uid"] for d in found.values()]
    titles = [d["title"] for d in found.values()]
    assert len(set(uids)) == len(uids)
    assert len(set(titles)) == len(titles)
    assert all(re.fullmatch(r"[a-z0-9-]{1,40}", uid) for uid in uids), uids


def test_provisioning_files() -> None:
    sources = datasources()
    assert set(sources) == {"monitord-influxql", "monitord-flux", "monitord-prometheus", "monitord-postgres"}
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "monitord.yaml").read_text())
    assert provider["apiVersion"] == 1
    assert provider["providers"][0]["type"] == "file"
    assert provider["providers"][0]["options"]["path"]


def test_documents_named_by_the_grafana_files_exist() -> None:
    """e.g. the Flux datasource points to docs/influx.md (issue 12, finding 13)."""
    root = GRAFANA.parents[1]
    named = set()
    for path in GRAFANA.rglob("*"):
        if path.suffix in (".yaml", ".py", ".json"):
            named |= set(re.findall(r"docs/[\w-]+\.md", path.read_text()))
    assert "docs/influx.md" in named
    missing = sorted(name for name in named if not (root / name).exists())
    assert not missing, f"named but missing: {missing}"


def _sources_of(panel: dict[str, Any]) -> list[dict[str, str]]:
    return [panel["datasource"], *(target["datasource"] for target in panel.get("targets", []))]


@pytest.mark.parametrize("name", DASHBOARD_NAMES)
def test_grafana_can_import(name: str) -> None:
    dashboard = dashboards()[name]
    sources = datasources()
    assert isinstance(dashboard["schemaVersion"], int) and dashboard["schemaVersion"] >= 36
    assert dashboard["title"] and dashboard["uid"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids)), f"duplicate panel ids in {name}"
    for panel in dashboard["panels"]:
        assert panel["type"] in ("timeseries", "table", "stat", "bargauge", "state-timeline", "barchart")
        assert panel.get("targets"), f"{name}: {panel['title']} has no query"
        refs = [target["refId"] for target in panel["targets"]]
        assert len(refs) == len(set(refs)), f"{name}: {panel['title']} repeats a refId"
        for source in _sources_of(panel):
            assert sources.get(source["uid"]) == source["type"], f"{name}: {panel['title']}: {source}"
    variables = dashboard["templating"]["list"]
    names = [variable["name"] for variable in variables]
    assert len(names) == len(set(names))
    for variable in variables:
        assert sources.get(variable["datasource"]["uid"]) == variable["datasource"]["type"]
        assert variable["query"], f"{name}: ${variable['name']} has no query"


def _used(text: str) -> set[str]:
    return set(re.findall(r"\$(\w+)", text))


@pytest.mark.parametrize("name", DASHBOARD_NAMES)
def test_variables_are_defined_before_use_and_used(name: str) -> None:
    dashboard = dashboards()[name]
    defined: list[str] = []
    for variable in dashboard["templating"]["list"]:
        query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
        undefined = _used(query) - set(defined) - BUILT_INS
        assert not undefined, f"{name}: ${variable['name']} uses {undefined} before they are defined"
        defined.append(variable["name"])
    texts = [
        target.get("query") or target.get("expr") or target.get("rawSql") or ""
        for panel in dashboard["panels"]
        for target in panel["targets"]
    ]
    used = set().union(*(_used(text) for text in texts)) if texts else set()
    assert not used - set(defined) - BUILT_INS, f"{name}: undefined {used - set(defined) - BUILT_INS}"
    queries = " ".join(str(v["query"]) for v in dashboard["templating"]["list"])
    unused = [v for v in defined if v not in used and f"${v}" not in queries]
    assert not unused, f"{name}: variables nothing uses: {unused}"


@pytest.mark.parametrize("name", DASHBOARD_NAMES)
def test_panels_fit_the_grid_without_overlapping(name: str) -> None:
    panels = dashboards()[name]["panels"]
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["w"] > 0 and grid["h"] > 0 and grid["x"] >= 0 and grid["y"] >= 0
        assert grid["x"] + grid["w"] <= 24, f"{name}: {panel['title']} sticks out of the 24 columns"
    assert not overlapping(panels), f"{name}: overlapping panels {overlapping(panels)}"


def test_the_overlap_check_can_fail() -> None:
    panels = [
        {"title": "a", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8}},
        {"title": "b", "gridPos": {"x": 12, "y": 0, "w": 12, "h": 8}},
        {"title": "c", "gridPos": {"x": 11, "y": 7, "w": 2, "h": 2}},
    ]
    assert overlapping(panels) == [("a", "c"), ("b", "c")]
    assert overlapping(panels[:2]) == []
