"""``monitord check-config``: every invalid file in tests/config/invalid/ is rejected with
exactly the messages in its ``# expect:`` lines and exit code 2; the shipped example loads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from probes import kind_names

ROOT = Path(__file__).resolve().parents[2]
INVALID = sorted((Path(__file__).parent / "invalid").glob("*.yaml"))


def check_config(path: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitord", "check-config", "-c", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


def expected_lines(path: Path) -> list[str]:
    lines = [
        line.removeprefix("# expect: ")
        for line in path.read_text().splitlines()
        if line.startswith("# expect: ")
    ]
    return [line.replace("KINDS", ", ".join(kind_names())).replace("FILE", str(path)) for line in lines]


def test_every_invalid_file_has_an_expectation() -> None:
    assert len(INVALID) >= 20
    for path in INVALID:
        assert expected_lines(path), f"{path.name} has no '# expect:' line"


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_config_is_rejected_with_exact_message(path: Path) -> None:
    result = check_config(path)
    assert result.returncode == 2, result.stdout + result.stderr
    errors = result.stderr.splitlines()
    assert errors[:-1] == expected_lines(path)
    assert errors[-1].endswith(f"problem(s) in {path}")
    assert "Traceback" not in result.stderr


def test_shipped_example_loads() -> None:
    result = check_config(ROOT / "config" / "monitord.example.yaml")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("configuration OK")
    assert "targets:" in result.stdout


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = check_config(missing)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == f"cannot read {missing}: No such file or directory"


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("http:\n  listen: 127.0.0.1:8470\n")
    result = check_config(path, {"MONITORD_HTTP__LISTEN": "nonsense"})
    assert result.returncode == 2
    assert result.stderr.splitlines()[0].startswith("http.listen: listen must be IP:PORT")


def test_config_path_from_environment(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("targets: []\n")
    result = subprocess.run(
        [sys.executable, "-m", "monitord", "check-config"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "MONITORD_CONFIG": str(path)},
    )
    assert result.returncode == 0, result.stderr
    assert str(path) in result.stdout


def test_quoted_credentials_reference_loads(tmp_path: Path) -> None:
    """The documented form (issue 13, 9): the quoted ``${CREDENTIALS_DIRECTORY}`` path reads the file."""
    (tmp_path / "admin-token").write_text("admin-token-0123456789\n")
    path = tmp_path / "c.yaml"
    path.write_text(
        "http:\n  tokens:\n    - {name: ops, role: admin, "
        'token: {file: "${CREDENTIALS_DIRECTORY}/admin-token"}}\n'
    )
    result = check_config(path, {"CREDENTIALS_DIRECTORY": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "tokens: 1 admin" in result.stdout
    assert "admin-token-0123456789" not in result.stdout + result.stderr


def test_duplicate_keys_inside_targets_and_yaml_merges(tmp_path: Path) -> None:
    """A merge key (``<<: *defaults``) may be overridden; a key written twice may not."""
    path = tmp_path / "c.yaml"
    path.write_text(
        "x-defaults: &d {site: s, address: 127.0.0.1}\n"
        "targets:\n"
        "  - {<<: *d, name: a, address: 127.0.0.2}\n"
        "  - name: b\n"
        "    site: s\n"
        "    address: 127.0.0.3\n"
        "    address: 127.0.0.4\n"
    )
    result = check_config(path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        f"{path}: duplicate key 'address' at line 7 (first at line 6); "
        "the second would silently replace the first"
    )
