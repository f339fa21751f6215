"""docs/influx.md stays true: its example queries run on the real servers, and it names every
measurement and field the probes declare."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.grafana.dashboards import generator, promql
from tests.grafana.scenario import Fed
from tests.grafana.test_coverage import declared

DOC = Path(__file__).resolve().parents[2] / "docs" / "influx.md"
DASHBOARDS_DOC = DOC.with_name("dashboards.md")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), re.DOTALL)


def influxql_examples() -> list[str]:
    statements = []
    for block in blocks("sql"):
        for chunk in block.split("\n\n"):
            lines = [
                line for line in chunk.splitlines() if line.strip() and not line.strip().startswith("--")
            ]
            if lines:
                statements.append(" ".join(line.strip() for line in lines))
    return statements


def promql_examples() -> list[str]:
    lines = [line.split("  #")[0].strip() for block in blocks("promql") for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def test_the_doc_names_every_declared_field() -> None:
    text = DOC.read_text()
    named = set(re.findall(r"`([a-z_<>]+)`", text))
    missing = [
        f"{m}.{f}"
        for m, fields in declared().items()
        for f in fields
        if not (f in named or (f.endswith("*") and any(n.startswith(f[:-1]) for n in named)))
    ]
    assert not missing, f"docs/influx.md does not name: {missing}"
    assert all(f"`{m}`" in text for m in declared())


@pytest.mark.root
def test_the_influxql_examples_run(fed: Fed) -> None:
    examples = influxql_examples()
    assert len(examples) == 5
    for statement in examples:
        assert fed.influx.query(fed.database, statement), f"no data for {statement}"


@pytest.mark.root
def test_the_promql_examples_run(fed: Fed) -> None:
    examples = promql_examples()
    assert len(examples) == 6
    for expr in examples:
        assert promql(fed.victoria.url, expr, instant=True), f"no data for {expr}"


def test_the_layout_sketches_in_dashboards_md_are_current() -> None:
    """docs/dashboards.md draws each generated dashboard's grid; a changed layout must be redrawn
    (python3 config/grafana/generate.py --sketch)."""
    module = generator()
    text = DASHBOARDS_DOC.read_text()
    for name, model in module.rendered().items():
        if not name.endswith("-victoriametrics.json"):
            assert f"```text\n{name}\n{module.sketch(model)}```" in text, f"{name}: sketch out of date"
