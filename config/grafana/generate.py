"""Writes monitord's Grafana dashboards (config/grafana/dashboards/) from their descriptions
in snmp_dashboards.py, site_dashboards.py, service_dashboards.py and syslog_dashboards.py.

Each time-series panel is written once with both of its queries: InfluxQL (InfluxDB 1.x,
and 2.x/3.x through a DBRP mapping; datasource ``monitord-influxql``) and PromQL/MetricsQL
(VictoriaMetrics, where the sink's line protocol becomes series named
``measurement_field``; datasource ``monitord-prometheus``), and each dashboard is written
in both variants so they cannot drift apart. The tickets dashboard reads the state store
through Grafana's PostgreSQL datasource (``monitord-postgres``) and has one variant.

    python3 config/grafana/generate.py          # rewrite the generated dashboards
    python3 config/grafana/generate.py --check  # exit 1 when a file is out of date
    python3 config/grafana/generate.py --sketch # print each layout as text

``tests/grafana`` runs every query against real InfluxDB 1.6, VictoriaMetrics and
PostgreSQL fed by a real daemon; docs/dashboards.md describes the dashboards.
``monitord-icmp.json`` and ``monitord-health.json`` are hand-written, not generated.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from grafana_json import render, sketch, text
from service_dashboards import ICMP, SERVICES, TICKETS
from site_dashboards import POS, SERVERS
from snmp_dashboards import DEVICES, INTERFACES, TRAPS
from syslog_dashboards import SYSLOG

DASHBOARDS = Path(__file__).resolve().parent / "dashboards"

CATALOGUE = (INTERFACES, DEVICES, TRAPS, POS, SERVERS, SERVICES, ICMP, TICKETS, SYSLOG)


def rendered() -> dict[str, dict[str, Any]]:
    """File name -> dashboard JSON model, for every generated dashboard."""
    files = {}
    for dashboard in CATALOGUE:
        for variant in dashboard.variants:
            model = render(dashboard, variant)
            files[f"{model['uid']}.json"] = model
    return files


def main(argv: list[str]) -> int:
    if "--sketch" in argv:  # the layouts drawn in docs/dashboards.md
        for name, model in rendered().items():
            if not name.endswith("-victoriametrics.json"):
                print(f"{name}\n{sketch(model)}")
        return 0
    stale = []
    for name, model in rendered().items():
        path = DASHBOARDS / name
        wanted = text(model)
        if "--check" in argv:
            if not path.exists() or path.read_text() != wanted:
                stale.append(name)
        else:
            path.write_text(wanted)
    if stale:
        print("out of date, run python3 config/grafana/generate.py:", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
