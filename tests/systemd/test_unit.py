"""The shipped unit passes ``systemd-analyze verify`` and scores <= 2.0 on ``security``."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.servers.processes import need_binary

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "systemd" / "monitord.service"


def staged_unit(tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at this checkout's monitord (verify checks the binary)."""
    monitord = ROOT / ".venv" / "bin" / "monitord"
    assert monitord.exists(), "run through make test: the venv provides bin/monitord"
    staged = tmp_path / "monitord.service"
    staged.write_text(UNIT.read_text().replace("/usr/local/bin/monitord", str(monitord)))
    return staged


def test_unit_verifies(tmp_path: Path) -> None:
    analyze = need_binary("systemd-analyze", "systemd")
    unit = staged_unit(tmp_path)
    result = subprocess.run(
        [analyze, "verify", unit.name], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "monitord.service" not in result.stderr  # no warnings about our unit


def test_unit_exposure_is_at_most_2(tmp_path: Path) -> None:
    analyze = need_binary("systemd-analyze", "systemd")
    unit = staged_unit(tmp_path)
    result = subprocess.run(
        [analyze, "security", "--offline=yes", unit.name],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    match = re.search(r"Overall exposure level for monitord\.service: (\d+\.\d+)", result.stdout)
    assert match is not None, result.stdout + result.stderr
    assert float(match.group(1)) <= 2.0


def test_unit_essentials() -> None:
    text = UNIT.read_text()
    for line in (
        "Type=notify",
        "WatchdogSec=",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "User=monitord",
        "StateDirectory=monitord",
        "ConfigurationDirectory=monitord",
        "CapabilityBoundingSet=CAP_NET_RAW",
        "AmbientCapabilities=CAP_NET_RAW",
    ):
        assert line in text
