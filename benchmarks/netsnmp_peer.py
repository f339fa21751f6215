"""Drive ``netsnmp_peer.c``: net-snmp's own library, in process, as the SNMP peer.

The C program is compiled once per run into a temporary folder (Debian's libsnmp-dev gives
the headers) and kept running; each command is one line on its stdin and one answer line
with the time the library itself measured, so neither the process start nor the pipe is
counted against net-snmp.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

SOURCE = Path(__file__).with_name("netsnmp_peer.c")


class NetSnmpPeer:
    def __init__(self, port: int, env: dict[str, str]) -> None:
        if shutil.which("cc") is None or not Path("/usr/include/net-snmp").is_dir():
            raise RuntimeError(
                "the net-snmp peer needs a C compiler and libsnmp-dev (.ci/debian-packages.txt)"
            )
        self._folder = tempfile.mkdtemp(prefix="netsnmp-peer-")
        binary = Path(self._folder) / "netsnmp_peer"
        subprocess.run(
            ["cc", "-O2", "-o", str(binary), str(SOURCE), "-lnetsnmp"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        self._process = subprocess.Popen(
            [str(binary), f"udp:127.0.0.1:{port}"],
            env=env,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def _ask(self, line: str) -> tuple[float, int]:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(line + "\n")
        self._process.stdin.flush()
        answer = self._process.stdout.readline().split()
        if len(answer) != 2:
            raise RuntimeError(f"net-snmp peer failed on {line!r}")
        return float(answer[0]), int(answer[1])

    def walk(self, oid: str, repetitions: int) -> tuple[float, int]:
        """(seconds, objects) of one GETBULK walk of ``oid``'s subtree."""
        return self._ask(f"walk {repetitions} {oid}")

    def gets(self, oid: str, count: int, concurrency: int) -> tuple[float, int]:
        """(seconds, answered) for ``count`` GETs with ``concurrency`` outstanding."""
        return self._ask(f"get {count} {concurrency} {oid}")

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.write("quit\n")
        self._process.stdin.close()
        self._process.wait(10)
        shutil.rmtree(self._folder, ignore_errors=True)
