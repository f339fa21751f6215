"""Every documented configuration example parses (issue 13, finding 9).

``token: {file: ${CREDENTIALS_DIRECTORY}/x}`` was documented in 13 places and is
invalid YAML: the unquoted ``${`` opens a mapping inside the flow mapping.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [
    ROOT / "docs" / "operations.md",
    ROOT / "config" / "monitord.example.yaml",
    ROOT / "systemd" / "monitord.service",
    ROOT / "README.md",
    *sorted(p for p in (ROOT / "docs").rglob("*.md") if p.name != "operations.md"),
]


def file_references(text: str) -> list[tuple[int, str]]:
    """``(line, snippet)`` for each ``{file: ...}`` written in ``text``, braces balanced."""
    found = []
    for match in re.finditer(r"\{file:", text):
        depth, end = 0, match.start()
        for end in range(match.start(), len(text)):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            if depth == 0 or text[end] == "\n":
                break
        found.append((text.count("\n", 0, match.start()) + 1, text[match.start() : end + 1]))
    return found


def yaml_blocks(text: str) -> list[tuple[int, str]]:
    return [
        (text.count("\n", 0, m.start()) + 1, m.group(1))
        for m in re.finditer(r"```ya?ml\n(.*?)```", text, re.S)
    ]


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_every_file_reference_parses(document: Path) -> None:
    text = document.read_text()
    lines = text.splitlines()
    references = file_references(text)
    for line, snippet in references:
        if snippet == "{file: PATH}" or "invalid YAML" in lines[line - 1]:
            continue  # the placeholder in prose; a documented mistake shown with its error
        try:
            parsed = yaml.safe_load(f"secret: {snippet}")
        except yaml.YAMLError as exc:
            pytest.fail(f"{document.name}:{line}: {snippet} is not valid YAML: {exc}")
        assert isinstance(parsed["secret"], dict) and set(parsed["secret"]) == {"file"}, (line, snippet)
        assert isinstance(parsed["secret"]["file"], str), (line, snippet)


def test_credentials_examples_are_documented() -> None:
    """The check above has something to check: the credential form appears in each of the three."""
    for document in DOCUMENTS[:3]:
        assert any("CREDENTIALS_DIRECTORY" in s for _, s in file_references(document.read_text())), document


@pytest.mark.parametrize("document", [d for d in DOCUMENTS if d.suffix == ".md"], ids=lambda p: p.name)
def test_every_yaml_block_parses(document: Path) -> None:
    blocks = yaml_blocks(document.read_text())
    for line, block in blocks:
        try:
            yaml.safe_load(block)
        except yaml.YAMLError as exc:
            pytest.fail(f"{document.name}: the YAML block at line {line} does not parse: {exc}")


def test_file_reference_extraction() -> None:
    assert file_references("a: {file: x}\nb: {file: ${V}/y}\n") == [(1, "{file: x}"), (2, "{file: ${V}/y}")]
