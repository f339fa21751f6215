"""Log pattern matching throughput: monitord's rule scan vs ``grep -cE``, same file, same run.

Writes a ~100 MB syslog-like file (about 1 % error lines) in a temporary
directory, deletes it afterwards. monitord reads it the way ssh_log does (4 MiB
blocks cut at the last newline, decoded, every default rule scanned with
per-line counting and evidence collection); grep runs once per rule with the
same pattern (``-i`` where the rule ignores case), since monitord counts per
rule too, and once with all patterns combined (lines matching any rule).

    .venv/bin/python benchmarks/ssh_patterns.py [--mb 100]
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitord.ssh.evidence import Evidence
from monitord.ssh.matching import compile_rules, scan
from monitord.ssh.rules import DEFAULT_RULES

BLOCK = 4 * 1024 * 1024
NORMAL = [
    "systemd[1]: Started Session {n} of user backup.",
    "CRON[{n}]: (root) CMD (/usr/local/bin/rotate-pos-journal)",
    "sshd[{n}]: Accepted publickey for monitord from 10.1.2.3 port {n} ssh2",
    "postgres[{n}]: LOG:  checkpoint complete: wrote {n} buffers",
    "kernel: [{n}.123] e1000e: eth0 NIC Link is Up 1000 Mbps Full Duplex",
]
BAD = [
    "postgres[{n}]: ERROR:  duplicate key value violates unique constraint",
    "kernel: [{n}.5] Out of memory: Killed process {n} (java)",
    "kernel: [{n}.7] blk_update_request: I/O error, dev sda, sector {n}",
    "app[{n}]: worker {n} segfault at 0 ip 00007f sp 00007ffd error 4",
]


def make_log(path: Path, megabytes: int) -> int:
    rng = random.Random(8)
    target = megabytes * 1024 * 1024
    written = lines = 0
    with path.open("w") as handle:
        while written < target:
            chunk = []
            for _ in range(10_000):
                template = rng.choice(BAD) if rng.random() < 0.01 else rng.choice(NORMAL)
                chunk.append(f"Nov 27 23:59:{rng.randrange(60):02d} pos-srv-01 "
                             + template.format(n=rng.randrange(1_000_000)) + "\n")
            text = "".join(chunk)
            handle.write(text)
            written += len(text)
            lines += len(chunk)
    return lines


def monitord_scan(path: Path) -> tuple[float, int, dict[str, int]]:
    rules = compile_rules(DEFAULT_RULES)
    counts: dict[str, int] = {}
    evidence = Evidence()
    lines = 0
    begin = time.perf_counter()
    with path.open("rb") as handle:
        carry = b""
        while True:
            data = handle.read(BLOCK)
            if not data:
                break
            data = carry + data
            end = data.rfind(b"\n") + 1
            carry, data = data[end:], data[:end]
            text = data.decode("utf-8", "replace")
            lines += text.count("\n")
            scan(text, str(path), rules, counts, evidence)
    return time.perf_counter() - begin, lines, counts


def ere(pattern: str) -> str:
    """The same pattern in POSIX ERE spelling (grep has no ``(?:``)."""
    return pattern.replace("(?:", "(")


def grep_count(path: Path, pattern: str, ignore_case: bool) -> tuple[float, int]:
    argv = ["grep", "-cE", *(["-i"] if ignore_case else []), "--", pattern, str(path)]
    begin = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=600)
    elapsed = time.perf_counter() - begin
    return elapsed, int(done.stdout.strip() or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=100)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="monitord-bench-log-"))
    try:
        path = folder / "syslog"
        total_lines = make_log(path, args.mb)
        size_mb = path.stat().st_size / 1024 / 1024
        names = ", ".join(r.name for r in DEFAULT_RULES)
        print(f"log: {size_mb:.1f} MB, {total_lines} lines, rules: {names}")
        subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL, check=True)  # warm the page cache

        ours, lines, counts = monitord_scan(path)
        grep_total = 0.0
        grep_counts = {}
        for rule in DEFAULT_RULES:
            elapsed, count = grep_count(path, ere(rule.pattern), rule.ignore_case)
            grep_total += elapsed
            grep_counts[rule.name] = count
        print(f"monitord scan : {ours:6.2f} s  {lines / ours / 1e6:6.2f} M lines/s  "
              f"{size_mb / ours:7.1f} MB/s  counts {counts}")
        grep_rate = lines / grep_total / 1e6
        print(f"grep -cE x{len(DEFAULT_RULES)}   : {grep_total:6.2f} s  {grep_rate:6.2f} M lines/s  "
              f"{size_mb / grep_total:7.1f} MB/s  counts {grep_counts}")
        print(f"ratio (monitord lines/s / grep lines/s, per-rule counting both): {grep_total / ours:.2f}")
        print(f"counts agree with grep: {counts == grep_counts}")
        combined = "|".join(f"({ere(r.pattern)})" for r in DEFAULT_RULES if not r.ignore_case)
        one_elapsed, _ = grep_count(path, combined, False)
        print(f"(for scale: one grep -cE of the {len(DEFAULT_RULES) - 1} case-sensitive patterns combined: "
              f"{one_elapsed:.2f} s, {lines / one_elapsed / 1e6:.2f} M lines/s)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
