"""The import graph stays acyclic and layered: checked on the real tree, and shown to fail
on a tiny package that has a cycle or breaks a contract (so the checks can fail)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
SUBSYSTEMS = {
    "probes",
    "alerts",
    "monitord.accounts",
    "monitord.ipam",
    "monitord.pos",
    "monitord.ssh",
    "monitord.snmp",
    "monitord.icmp",
    "monitord.sinks",
    "monitord.tsdb",
    "monitord.store",
}


def module_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    adjacency = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for root in sorted(adjacency):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            children = adjacency[node]
            if position < len(children):
                work.append((node, position + 1))
                child = children[position]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return cycles


def test_the_tree_has_no_module_cycle_even_under_type_checking() -> None:
    graph = grimp.build_graph("monitord", "probes", "alerts", exclude_type_checking_imports=False)
    assert module_cycles(graph) == []


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def test_a_cycle_is_found(tmp_path: Path) -> None:
    _package(
        tmp_path,
        {
            "loopy/__init__.py": "",
            "loopy/a.py": "from loopy import b\n",
            "loopy/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from loopy import a\n",
            "loopy/c.py": "from loopy import a\n",
        },
    )
    sys.path.insert(0, str(tmp_path))
    try:
        graph = grimp.build_graph("loopy", exclude_type_checking_imports=False, cache_dir=None)
    finally:
        sys.path.remove(str(tmp_path))
    assert module_cycles(graph) == [["loopy.a", "loopy.b"]]


def test_lint_imports_keeps_the_contracts() -> None:
    run = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-logo", "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_lint_imports_fails_on_a_subsystem_importing_the_daemon(tmp_path: Path) -> None:
    """The same contract shape, on a tiny tree where a subsystem reaches back into the daemon."""
    _package(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/daemon.py": "from app import sub\n",
            "app/sub.py": "def f():\n    from app import daemon\n    return daemon\n",
            "setup.cfg": """\
            [importlinter]
            root_package = app

            [importlinter:contract:one]
            name = subsystems never import the daemon
            type = forbidden
            source_modules = app.sub
            forbidden_modules = app.daemon

            [importlinter:contract:two]
            name = no cycles
            type = acyclic_siblings
            ancestors = app
            """,
        },
    )
    run = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-logo", "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "subsystems never import the daemon BROKEN" in run.stdout
    assert "no cycles BROKEN" in run.stdout


def test_the_contracts_name_every_subsystem_and_forbidden_layer() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    contracts = {c["id"]: c for c in config["contracts"]}
    below = contracts["subsystems-stay-below-the-daemon"]
    assert set(below["source_modules"]) == SUBSYSTEMS
    assert set(below["forbidden_modules"]) == {"monitord.daemon", "monitord.api", "monitord.cli"}
    assert contracts["api-without-cli"]["forbidden_modules"] == ["monitord.cli"]
    assert config["exclude_type_checking_imports"] is False
