"""Run every benchmark and print one table: ``python -m benchmarks [--full] [--only NAME ...]``.

Each benchmark runs as its own process (``python -m benchmarks.NAME --quick``), so one that
fails or overruns its time limit costs only its own rows; its output goes to a log file
named in the summary. The rows come back through ``$MONITORD_BENCH_JSON`` (see
``benchmarks.harness``). ``make bench`` runs this in quick mode: under 10 minutes in all.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import JSON_ENV, Figure, machine, table

# name -> time limit in seconds for the quick run (the full run gets 6x)
BENCHMARKS: dict[str, int] = {
    "snmp_get_throughput": 90,
    "snmp_bulkwalk": 90,
    "snmp_poll_cpu": 90,
    "icmp_vs_fping": 120,
    "scheduler_tcp": 90,
    "embedded_store": 60,
    "influx_write": 90,
    "influx_spool_drain": 90,
    "alerts_latency": 60,
    "alerts_storm": 90,
    "ipam_next_free": 60,
    "ipam_http": 120,
    "assets_import": 120,
    "pos_ingest": 120,
    "pos_evaluate": 60,
    "console_pages": 180,
    "ssh_scrape": 120,
    "ssh_patterns": 60,
    "cli_startup": 60,
    "syslog_ingest": 120,
    "cluster": 300,
    "snmp_traps": 120,
    "reports": 240,
    "icmp_sweep_cli": 240,
    "http_checks": 120,
}


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--full", action="store_true", help="full rounds instead of --quick")
    args.add_argument("--only", nargs="*", default=[], help="benchmark names to run")
    args.add_argument("--logs", type=Path, default=None, help="folder for each benchmark's output")
    options = args.parse_args()
    names = options.only or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    logs = options.logs or Path(tempfile.mkdtemp(prefix="monitord-bench-"))
    logs.mkdir(parents=True, exist_ok=True)
    rows_file = logs / "figures.jsonl"
    rows_file.write_text("")
    started = datetime.datetime.now(datetime.UTC)
    machine_before = machine()
    failed: list[str] = []
    began = time.perf_counter()
    for name in names:
        limit = BENCHMARKS[name] * (6 if options.full else 1)
        argv = [sys.executable, "-m", f"benchmarks.{name}", *([] if options.full else ["--quick"])]
        log = logs / f"{name}.log"
        print(f"-- {name} (limit {limit} s) ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        with log.open("w") as out:
            try:
                code = subprocess.run(
                    argv,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    timeout=limit,
                    env={**os.environ, JSON_ENV: str(rows_file)},
                    check=False,
                ).returncode
            except subprocess.TimeoutExpired:
                code = -1
        print(
            f"   {name}: exit {code} in {time.perf_counter() - t0:.0f} s (log {log})",
            file=sys.stderr,
            flush=True,
        )
        if code != 0:
            failed.append(f"{name} (exit {code}, see {log})")
    figures = []
    for line in rows_file.read_text().splitlines():
        data = json.loads(line)
        data.pop("load1", None)
        figures.append(Figure(**data))
    mode = "full" if options.full else "quick"
    print(
        f"monitord benchmarks ({mode} mode), {started:%Y-%m-%d %H:%M} UTC, "
        f"{time.perf_counter() - began:.0f} s in all"
    )
    print(f"before: {machine_before}")
    print(f"after:  {machine()}")
    print()
    print(table(figures))
    notes = [f for f in figures if f.note]
    if notes:
        print()
        for figure in notes:
            print(f"- {figure.name}: {figure.note}")
    if failed:
        print()
        print("FAILED: " + "; ".join(failed))
    print(f"\nlogs: {logs}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
