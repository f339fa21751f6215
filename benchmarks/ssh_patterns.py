"""Log pattern matching throughput: monitord's rule scan vs ``grep -cE``, same file, same run.

Writes a ~100 MB syslog-like file (about 1 % error lines) in a temporary
directory, deletes it afterwards. monitord reads it the way ssh_log does (4 MiB
blocks cut at the last newline, decoded, every default rule scanned with
per-line counting and evidence collection); grep runs once per rule with the
same pattern (``-i`` where the rule ignores case), since monitord counts per
rule too, and once with all patterns combined (lines matching any rule).

    .venv/bin/python -m benchmarks.ssh_patterns [--quick]
"""

from __future__ import annotations

import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.harness import Figure, interleave, parser, report
from monitord.logrules.evidence import Evidence
from monitord.logrules.matching import compile_rules, scan
from monitord.logrules.rules import DEFAULT_RULES

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
                chunk.append(
                    f"Nov 27 23:59:{rng.randrange(60):02d} pos-srv-01 "
                    + template.format(n=rng.randrange(1_000_000))
                    + "\n"
                )
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
    quick = parser(__doc__).parse_args().quick
    megabytes, rounds = (20, 3) if quick else (100, 5)
    folder = Path(tempfile.mkdtemp(prefix="monitord-bench-log-"))
    try:
        path = folder / "syslog"
        total_lines = make_log(path, megabytes)
        subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
        agreed: list[bool] = []

        def ours() -> float:
            elapsed, lines, counts = monitord_scan(path)
            assert lines == total_lines
            found["monitord"] = counts
            return lines / elapsed / 1e6

        def grep() -> float:
            total = 0.0
            counts = {}
            for rule in DEFAULT_RULES:
                elapsed, count = grep_count(path, ere(rule.pattern), rule.ignore_case)
                total += elapsed
                counts[rule.name] = count
            agreed.append(counts == found.get("monitord", counts))
            return total_lines / total / 1e6

        found: dict[str, dict[str, int]] = {}
        samples = interleave({"monitord": ours, "grep": grep}, rounds)
        figure = Figure(
            "ssh_patterns",
            f"Log rule scan, {len(DEFAULT_RULES)} default rules, per-rule counts",
            "M lines/s",
            "higher",
            samples["monitord"],
            f"grep -cE x{len(DEFAULT_RULES)}",
            samples["grep"],
            note=f"{megabytes} MB, {total_lines:,} lines; counts agree with grep: {all(agreed)}",
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report("log pattern matching: monitord's rule scan vs grep, same file, page cache warm", [figure], rounds)


if __name__ == "__main__":
    main()
