"""One-shot CLI commands, end to end: ``monitord version``, ``--help`` and ``probe tcp``.

Issue 20's goals: ``version`` and ``--help`` in at most 150 ms, ``probe tcp HOST:PORT`` in
at most 300 ms. Each run is a new process, timed from spawn to exit, as an admin's shell
sees it. Peers in the same run, interleaved: the floor every Python command pays (the
same virtualenv's interpreter running ``pass``, site imports included) and, for the TCP
check, the same interpreter doing one ``socket.create_connection`` to the same listener.

    .venv/bin/python -m benchmarks.cli_startup [--quick]
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.harness import Figure, interleave, parser, report

MONITORD = str(Path(sys.executable).with_name("monitord"))


def timed(argv: list[str]) -> float:
    """Milliseconds from spawn to exit; the command must succeed."""
    began = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=30)
    return (time.perf_counter() - began) * 1000


def main() -> None:
    options = parser(__doc__).parse_args()
    rounds = 10 if options.quick else 40
    listener = socket.create_server(("127.0.0.1", 0), backlog=512)
    port = listener.getsockname()[1]
    floor = [sys.executable, "-c", "pass"]
    connect = [
        sys.executable,
        "-c",
        f"import socket; socket.create_connection(('127.0.0.1', {port}), 3).close()",
    ]
    try:
        samples = interleave(
            {
                "version": lambda: timed([MONITORD, "version"]),
                "help": lambda: timed([MONITORD, "--help"]),
                "probe": lambda: timed([MONITORD, "probe", "tcp", f"127.0.0.1:{port}"]),
                "floor": lambda: timed(floor),
                "connect": lambda: timed(connect),
            },
            rounds,
        )
    finally:
        listener.close()
    figures = [
        Figure(
            "cli_startup",
            "monitord version, spawn to exit",
            "ms",
            "lower",
            samples["version"],
            "python -c pass (same venv)",
            samples["floor"],
            goal="<= 150 ms",
        ),
        Figure(
            "cli_startup",
            "monitord --help, spawn to exit",
            "ms",
            "lower",
            samples["help"],
            "python -c pass (same venv)",
            samples["floor"],
            goal="<= 150 ms",
        ),
        Figure(
            "cli_startup",
            "monitord probe tcp HOST:PORT, spawn to exit",
            "ms",
            "lower",
            samples["probe"],
            "python socket.create_connection",
            samples["connect"],
            goal="<= 300 ms",
            note="before issue 20 (commit 8c2fb9e) every command imported every probe module: "
            "version 1.0 s in the issue's measurement",
        ),
    ]
    for figure, limit in zip(figures, (150, 150, 300), strict=True):
        figure.met = figure.ours_median <= limit
    report("One-shot CLI commands", figures, rounds)


if __name__ == "__main__":
    main()
