"""Every built-in rule has an end-to-end case: a test marked ``rule_coverage("<rule>")``.

The test sources under ``tests/`` are parsed (not collected), so this holds whichever
subset of the suite runs. A rule added to ``alerts/defaults.py`` without a case, or a
marker naming a rule that does not exist, fails here by name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from alerts.defaults import DEFAULT_RULES

TESTS = Path(__file__).resolve().parents[2]
MARKER = "rule_coverage"


def _marker_names(decorator: ast.expr) -> Iterator[str]:
    """``pytest.mark.rule_coverage("name")`` -> ``name``."""
    if not isinstance(decorator, ast.Call):
        return
    func = decorator.func
    if not (isinstance(func, ast.Attribute) and func.attr == MARKER):
        return
    assert (
        len(decorator.args) == 1
        and isinstance(decorator.args[0], ast.Constant)
        and isinstance(decorator.args[0].value, str)
    ), f"{MARKER} takes one literal rule name, not {ast.unparse(decorator)}"
    yield decorator.args[0].value


def covered() -> dict[str, list[str]]:
    """rule name -> the tests marked for it (``path::function``)."""
    found: dict[str, list[str]] = {}
    for path in sorted(TESTS.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for decorator in node.decorator_list:
                for name in _marker_names(decorator):
                    assert node.name.startswith("test_"), f"{path}: {node.name} is not a test"
                    found.setdefault(name, []).append(f"{path.relative_to(TESTS.parent)}::{node.name}")
    return found


def test_every_built_in_rule_has_an_end_to_end_case() -> None:
    rules = [str(rule["name"]) for rule in DEFAULT_RULES]
    cases = covered()
    missing = [name for name in rules if name not in cases]
    assert not missing, f"built-in rules without a rule_coverage test: {', '.join(missing)}"


def test_every_marker_names_a_built_in_rule() -> None:
    rules = {str(rule["name"]) for rule in DEFAULT_RULES}
    unknown = {name: tests for name, tests in covered().items() if name not in rules}
    assert not unknown, f"rule_coverage markers naming no built-in rule: {unknown}"


def test_the_parser_sees_the_markers_of_this_package() -> None:
    """The check above cannot pass vacuously: it finds this package's own cases."""
    cases = covered()
    assert cases["host-down"] == ["tests/alerts/coverage/test_icmp_rules.py::test_host_down"]
    assert len(cases) >= 20


def test_the_rules_page_lists_every_built_in_rule() -> None:
    page = (TESTS.parent / "docs" / "alert-rules.md").read_text(encoding="utf-8")
    unlisted = [str(r["name"]) for r in DEFAULT_RULES if f"| `{r['name']}` |" not in page]
    assert not unlisted, f"docs/alert-rules.md has no row for: {', '.join(unlisted)}"
