"""Run an SNMP benchmark inside a private network namespace with many interfaces.

The namespace has only ``lo`` plus N ifb interfaces (no link outside; the
kernel here has no ``dummy`` module), so snmpd's own IF-MIB has a realistic
switch-sized table and all traffic stays on the namespace's loopback. The
benchmark re-runs itself inside with ``ip netns exec python -m benchmarks.NAME``
and the namespace is deleted afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INSIDE_FLAG = "--inside-netns"


def inside() -> bool:
    return INSIDE_FLAG in sys.argv


def arguments() -> list[str]:
    """The command line without the inside marker, for the benchmark's own parser."""
    return [a for a in sys.argv[1:] if a != INSIDE_FLAG]


def run_in_netns(module: str, interfaces: int) -> int:
    """Create the namespace, run ``python -m module`` in it, delete it; returns the exit code."""
    if os.geteuid() != 0:
        print("needs root (ip netns add)", file=sys.stderr)
        return 2
    name = f"monitord-snmp-bench-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        batch = ["link set lo up"]
        for number in range(1, interfaces + 1):
            batch.append(f"link add port{number} type ifb")
            if number % 8:  # every eighth port stays down, like unused switch ports
                batch.append(f"link set port{number} up")
        with tempfile.NamedTemporaryFile("w", suffix=".ip", delete=False) as handle:
            handle.write("\n".join(batch) + "\n")
        subprocess.run(["ip", "-n", name, "-batch", handle.name], check=True)
        os.unlink(handle.name)
        return subprocess.run(
            ["ip", "netns", "exec", name, sys.executable, "-m", module, INSIDE_FLAG, *sys.argv[1:]],
            check=False,
            timeout=900,
            cwd=ROOT,
        ).returncode
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False)


def start_snmpd(root: Path) -> Any:
    """snmpd serving its own IF-MIB (the namespace's interfaces) on 127.0.0.1."""
    from tests.servers.snmpd import SnmpdServer

    server = SnmpdServer(root, controlled=False)
    server.start()
    return server
