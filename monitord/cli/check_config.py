"""``monitord check-config -c FILE``: validate and summarise, or list every problem (exit 2)."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from typing import Any

from monitord.cli.global_options import uses
from monitord.config.loader import LoadedConfig, config_path, load_config
from monitord.errors import ConfigError


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "check-config", help="validate a configuration file"
    )
    uses(parser, config=None)
    parser.set_defaults(handler=handle)


def summary(loaded: LoadedConfig) -> list[str]:
    """A one-screen overview: targets per site, probes per kind, sinks, sections."""
    config = loaded.config
    per_site = Counter(r.target.site for r in loaded.targets)
    per_kind = Counter(kind for r in loaded.targets for kind in r.probes)
    urgent = sum(1 for r in loaded.targets if r.target.criticality == "urgent")
    lines = [f"configuration OK: {loaded.path}" if loaded.path else "configuration OK"]
    lines.append(f"targets: {len(loaded.targets)} ({urgent} urgent) at {len(per_site)} sites")
    for site, count in per_site.most_common(10):
        lines.append(f"  {site}: {count}")
    if len(per_site) > 10:
        lines.append(f"  ... and {len(per_site) - 10} more sites")
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(per_kind.items()))
    lines.append(f"probes: {kinds or 'none'}")
    sinks = []
    if config.storage.embedded_enabled:
        sinks.append(f"embedded SQLite (retention {config.storage.embedded.retention / 86400:g} days)")
    if config.storage.influxdb is not None:
        sinks.append(f"InfluxDB {config.storage.influxdb.api} at {config.storage.influxdb.url}")
    lines.append(f"time series: {', '.join(sinks)}")
    lines.append(
        f"state store: {'PostgreSQL/URL' if config.storage.state_url else 'SQLite'} "
        f"under {config.daemon.state_dir}"
    )
    tokens = Counter(t.role for t in config.http.tokens)
    technicians = f", {tokens['technician']} technician" if tokens["technician"] else ""
    lines.append(
        f"http: {config.http.listen}, tokens: {tokens['admin']} admin{technicians}, {tokens['read']} read"
    )
    sections = [config.alerts, config.notify, config.ipam, config.pos]
    if config.storage.influxdb is not None:
        sections.insert(0, config.storage.influxdb)
    for section in sections:
        lines.extend(section.summary())
    return lines


def handle(args: argparse.Namespace) -> int:
    path = config_path(args.config)
    try:
        loaded = load_config(path)
    except ConfigError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in {path}", file=sys.stderr)
        return 2
    print("\n".join(summary(loaded)))
    return 0
