"""Every measurement and field the probes declare is on a dashboard, in both query languages.

Probe modules declare what they write in ``WRITES`` (the POS evaluator, the syslog tally and
the SNMP trap receiver too); the queries
of the shipped dashboards are read for the fields they show. A declared field that no
InfluxQL panel shows, or (for numbers) no PromQL panel shows, fails unless it is in
LEFT_OUT below with the reason. The real daemon's output (tests/grafana/scenario.py)
keeps the declarations honest: what it wrote to InfluxDB must be exactly what is declared.
"""

from __future__ import annotations

import re
import sys

import pytest

from monitord.intake.syslog import tally
from monitord.intake.traps import trap_results
from monitord.pos import evaluator
from probes import REGISTRY
from tests.grafana.dashboards import dashboards
from tests.grafana.scenario import UPS_OIDS, Fed

# Declared fields no dashboard shows, on purpose.
LEFT_OUT: dict[tuple[str, str], str] = {
    # Echo counts: loss_pct is computed from them, and sent is just the configured count.
    ("icmp", "sent"): "loss_pct shows what matters; sent is the configured count",
    ("icmp", "received"): "loss_pct shows what matters",
    # Raw IF-MIB counters: written so anything can be recomputed, but a graph of a counter is
    # a ramp; the panels use the daemon's rates, which skip wraps, resets and reboots.
    **{
        ("snmp_interface", name): "raw counter; the panels show the daemon's wrap-safe rate"
        for name in (
            "in_octets",
            "out_octets",
            "in_ucast_pkts",
            "out_ucast_pkts",
            "in_errors",
            "out_errors",
            "in_discards",
            "out_discards",
        )
    },
    ("snmp_interface", "counter_bits"): "32 or 64: which octet counter was read, for debugging rates",
    ("snmp_storage", "up"): "always 1: a storage row exists only when the agent answered",
    ("syslog", "up"): "always 1: a syslog row exists only for a sender that was heard",
}
# Fields of the ups custom profile documented in docs/dashboards.md (custom profile fields
# are named in the config, so no probe module can declare them).
UPS_FIELDS = {("snmp_system", name) for name in UPS_OIDS}


def declared() -> dict[str, dict[str, str]]:
    """measurement -> field -> "number"/"text", from every probe kind and the POS evaluator."""
    merged: dict[str, dict[str, str]] = {}
    for kind in REGISTRY.values():
        writes = getattr(sys.modules[kind.__module__], "WRITES", None)
        assert writes is not None, f"probe module {kind.__module__} declares no WRITES"
        assert kind.measurement in writes, f"{kind.__module__}: WRITES lacks {kind.measurement}"
        for measurement, fields in writes.items():
            merged.setdefault(measurement, {}).update(fields)
    for writes in (
        evaluator.WRITES,
        tally.WRITES,
        trap_results.WRITES,
    ):  # not probe kinds, but they write results
        for measurement, fields in writes.items():
            merged.setdefault(measurement, {}).update(fields)
    return merged


AGGREGATE_FIELD = re.compile(r'\w+\("(\w+)"\)')
AGGREGATE_REGEX = re.compile(r"\w+\(/\^(\w+)/\)")
FROM = re.compile(r'FROM "(\w+)"')


def influxql_shown() -> set[tuple[str, str]]:
    """(measurement, field or prefix*) selected by an InfluxQL panel (not just filtered on)."""
    shown = set()
    for dashboard in dashboards().values():
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                query = target.get("query")
                if target["datasource"]["type"] != "influxdb" or not query:
                    continue
                for measurement in FROM.findall(query):
                    shown |= {(measurement, name) for name in AGGREGATE_FIELD.findall(query)}
                    shown |= {(measurement, prefix + "*") for prefix in AGGREGATE_REGEX.findall(query)}
    return shown


def promql_text() -> str:
    return "\n".join(
        target["expr"]
        for dashboard in dashboards().values()
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        if target["datasource"]["type"] == "prometheus"
    )


def promql_shows(text: str, measurement: str, name: str) -> bool:
    """The series ``measurement_field`` (or, for ``prefix*``, a ``__name__`` regex on it)."""
    if name.endswith("*"):
        return f'__name__=~"{measurement}_{name[:-1]}.+"' in text
    return re.search(rf"\b{measurement}_{name}\b", text) is not None


def test_every_declared_field_is_on_a_dashboard() -> None:
    influxql = influxql_shown()
    promql = promql_text()
    missing = []
    for measurement, fields in sorted(declared().items()):
        for name, kind in sorted(fields.items()):
            if (measurement, name) in LEFT_OUT:
                continue
            if (measurement, name) not in influxql:
                missing.append(f"{measurement}.{name} (InfluxQL)")
            if kind == "number" and not promql_shows(promql, measurement, name):
                missing.append(f"{measurement}.{name} (PromQL)")
    assert not missing, f"declared but on no dashboard: {missing}"


def test_left_out_fields_are_declared_and_not_shown() -> None:
    """The list of deliberate omissions stays true: each is declared and really not shown."""
    fields = declared()
    influxql = influxql_shown()
    for measurement, name in LEFT_OUT:
        assert name in fields.get(measurement, {}), f"{measurement}.{name} is left out but not declared"
        assert (measurement, name) not in influxql, f"{measurement}.{name} is left out but shown"


def test_dashboards_show_only_fields_that_exist() -> None:
    """A typo in a panel (a field no probe writes) fails here even before the panel tests."""
    fields = declared()
    known = {(m, f) for m, names in fields.items() for f in names} | UPS_FIELDS
    unknown = sorted(f"{m}.{f}" for m, f in influxql_shown() - known)
    assert not unknown, f"InfluxQL panels select undeclared fields: {unknown}"
    promql = promql_text()
    series = {f"{m}_{f}" for m, f in known if not f.endswith("*")}
    prefixes = tuple(f"{m}_{f[:-1]}" for m, f in known if f.endswith("*"))
    measurements = tuple(f"{m}_" for m in fields)
    names = set(re.findall(r"\b([a-z][a-z0-9_]*)\b", promql))
    unknown_series = sorted(
        n for n in names if n.startswith(measurements) and n not in series and not n.startswith(prefixes)
    )
    assert not unknown_series, f"PromQL panels read series no probe writes: {unknown_series}"


@pytest.mark.root
def test_declarations_match_what_the_daemon_wrote(fed: Fed) -> None:
    """The scenario exercises every declared field, and writes nothing undeclared."""
    kinds = {"integer": "number", "float": "number", "string": "text", "boolean": "number"}
    written: dict[str, dict[str, str]] = {}
    for series in fed.influx.query(fed.database, "SHOW FIELD KEYS"):
        written[series["name"]] = {name: kinds[kind] for name, kind in series["values"]}
    wanted = declared()
    assert set(written) == set(wanted)
    for measurement, fields in wanted.items():
        got = dict(written[measurement])
        if measurement == "snmp_system":
            for name in UPS_OIDS:
                assert got.pop(name) == "number"
        for name, kind in fields.items():
            if name.endswith("*"):
                matched = [f for f in got if f.startswith(name[:-1])]
                assert matched, f"{measurement}.{name}: the scenario wrote no such field"
                assert all(got.pop(f) == kind for f in matched)
            else:
                assert name in got, f"{measurement}.{name}: declared, but the scenario wrote none"
                assert got.pop(name) == kind, f"{measurement}.{name}: declared {kind}"
        assert not got, f"{measurement}: written but not declared: {sorted(got)}"
