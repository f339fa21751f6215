"""``.pre-commit-config.yaml`` runs the same checks as ``make lint`` (issue 14: one habit, not two).

Each command of the ``lint`` recipe (and the docs staleness check it depends on) must be the
``entry`` of a local hook, spelled with the venv's tools as the Makefile spells them.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def recipe(makefile: str, target: str) -> list[str]:
    """The commands of ``target`` in ``makefile``, ``$(BIN)`` spelled out."""
    match = re.search(rf"^{re.escape(target)}:[^\n]*\n((?:\t[^\n]*\n)+)", makefile, re.M)
    assert match, f"no rule {target}"
    return [line.strip().replace("$(BIN)", ".venv/bin") for line in match.group(1).splitlines()]


def test_every_lint_command_is_a_hook() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^lint:.*\bdocs-check\b", makefile, re.M), "make lint must run docs-check"
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = [hook for repo in config["repos"] if repo["repo"] == "local" for hook in repo["hooks"]]
    entries = {hook["entry"] for hook in hooks}
    for command in recipe(makefile, "lint"):
        assert command in entries, f"make lint runs {command!r}; no pre-commit hook does"
    assert "make docs-check" in entries
    for hook in hooks:
        assert hook["language"] == "system", hook["id"]  # the venv's tools, not a second copy


def test_recipe_reader() -> None:
    text = "lint: venv\n\t$(BIN)/ruff check x\n\t$(BIN)/mypy\n\nother:\n\ttrue\n"
    assert recipe(text, "lint") == [".venv/bin/ruff check x", ".venv/bin/mypy"]
