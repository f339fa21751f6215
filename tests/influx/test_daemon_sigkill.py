"""``monitord run`` itself, SIGKILLed while InfluxDB (here VictoriaMetrics) is down: every
point in its spool at the moment of the kill reaches the server after the next start."""

from __future__ import annotations

import shutil
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest
import yaml

from monitord.sinks.influx.spool import Spool
from tests.daemon_harness import READ_TOKEN, base_config
from tests.servers.processes import free_port, wait_until
from tests.servers.victoria import VictoriaServer

pytestmark = [pytest.mark.root, pytest.mark.slow]

MONITORD = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "monitord"
TARGETS = 60
INTERVAL = "100ms"


def spool_points(port: int) -> float | None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {READ_TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("monitord_influx_spool_points "):
                return float(line.split()[1])
    return None


def start_daemon(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            [str(MONITORD), "run", "-c", str(config)], stdout=output, stderr=subprocess.STDOUT
        )


def spooled_samples(directory: Path, scratch: Path) -> set[tuple[str, int]]:
    """(target, millisecond) of every point in the spool, read as the next start will
    (from a copy: reading acknowledges)."""
    shutil.copytree(directory, scratch)
    spool = Spool(scratch, max_bytes=1 << 30, fsync=False)
    spool.open()
    samples: set[tuple[str, int]] = set()
    while (batch := spool.peek(10_000, 1 << 26)) is not None:
        for line in batch.body().split(b"\n"):
            head, _fields, stamp = line.decode().rsplit(" ", 2)
            target = dict(pair.split("=", 1) for pair in head.split(",")[1:])["target"]
            samples.add((target, int(stamp) // 1_000_000))
        spool.ack(batch)
    return samples


def test_sigkill_of_monitord_run_during_an_outage_loses_nothing_spooled(
    victoria_private: VictoriaServer, tmp_path: Path
) -> None:
    port = free_port()
    state = tmp_path / "state"
    document = base_config(
        state,
        storage={"influxdb": {"url": victoria_private.url, "retry_initial": "100ms", "retry_max": "500ms"}},
        probes={"tcp": {"interval": INTERVAL, "timeout": "1s"}},
        sites={"hq": {"description": "head office"}},
        targets=[
            {
                "name": f"svc-{index:03d}",
                "address": "127.0.0.1",
                "site": "hq",
                "probes": {"tcp": {"port": port}},
            }
            for index in range(TARGETS)
        ],  # the daemon's own API
    )
    document["http"]["listen"] = f"127.0.0.1:{port}"
    document["daemon"]["log_level"] = "info"
    config = tmp_path / "monitord.yaml"
    config.write_text(yaml.safe_dump(document))
    log = tmp_path / "monitord.log"

    victoria_private.stop()
    first = start_daemon(config, log)
    try:
        wait_until(lambda: (spool_points(port) or 0) >= 3000, 60, "the spool filling", first, log)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(timeout=10)
    spooled = spooled_samples(state / "influx-spool", tmp_path / "spool-copy")
    assert len(spooled) >= 3000

    victoria_private.start()
    second = start_daemon(config, log)
    try:
        wait_until(lambda: spool_points(port) == 0.0, 60, "the spool draining", second, log)
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0
    finally:
        if second.poll() is None:
            second.kill()
            second.wait(timeout=10)
    rows = victoria_private.export('{__name__="tcp_up"}')
    stored = {(row["metric"]["target"], stamp) for row in rows for stamp in row["timestamps"]}
    missing = spooled - stored
    tail = log.read_text()[-2000:]
    assert not missing, f"{len(missing)} of {len(spooled)} spooled points lost; log: {tail}"
    assert not list((state / "influx-spool").glob("*.seg"))  # delivered segments are deleted
