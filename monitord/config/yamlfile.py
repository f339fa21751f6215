"""Reading the YAML file strictly: duplicate keys and an empty file are errors naming the lines.

PyYAML lets a second ``http:`` silently replace the first, and loads an empty
file as ``None`` (a daemon with no targets writing state to the default
directory). Both are typos an admin wants to hear about. A ``${VAR}`` written
unquoted inside a flow mapping (``token: {file: ${CREDENTIALS_DIRECTORY}/x}``)
is the most common YAML mistake in credential references; its parser error is
replaced by one that says how to write it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode

from monitord.errors import ConfigError

MAX_CONFIG_BYTES = 64 * 1024 * 1024
_MERGE_TAG = "tag:yaml.org,2002:merge"
# ``key: {file: ${VAR}/rest}``: the unquoted ``${`` opens a nested flow mapping.
_FLOW_SECRET = re.compile(
    r"(?:(?P<key>[A-Za-z0-9_]+)\s*:\s*)?\{\s*file\s*:\s*(?P<path>\$\{[^\s{}]*\}[^\s,{}]*)\s*\}"
)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that records every duplicate mapping key with both lines."""

    def __init__(self, stream: bytes) -> None:
        super().__init__(stream)
        self.duplicates: list[str] = []

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        first: dict[Any, tuple[int, int]] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == _MERGE_TAG:
                continue  # merged keys (``<<: *defaults``) may be overridden on purpose
            key = self.construct_object(key_node)
            here = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key not in first:
                first[key] = here
                continue
            there = first[key]
            if here[0] == there[0]:  # both in one flow mapping: the columns tell them apart
                where = f"line {here[0]}, column {here[1]} (first at column {there[1]})"
            else:
                where = f"line {here[0]} (first at line {there[0]})"
            self.duplicates.append(
                f"duplicate key {key!r} at {where}; the second would silently replace the first"
            )
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> dict[str, Any]:
    """Parse the file into a mapping; every failure is a ConfigError naming the file."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError([("", f"cannot read {path}: {exc.strerror or exc}")]) from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError([("", f"{path} is larger than {MAX_CONFIG_BYTES} bytes")])
    loader = _StrictLoader(data)
    try:
        document = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise ConfigError([("", f"{path}: {_yaml_problem(exc, data)}")]) from None
    finally:
        loader.dispose()
    if loader.duplicates:
        raise ConfigError([("", f"{path}: {message}") for message in loader.duplicates])
    if document is None:
        raise ConfigError(
            [
                (
                    "",
                    f"{path}: the file is empty (no sections); "
                    "an empty configuration is almost always a mistake",
                )
            ]
        )
    if not isinstance(document, dict):
        raise ConfigError([("", f"{path}: the top level must be a mapping of sections")])
    return {str(key): value for key, value in document.items()}


def _yaml_problem(exc: yaml.YAMLError, data: bytes) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return f"invalid YAML: {problem}"
    where = f"line {mark.line + 1}, column {mark.column + 1}"
    hint = _flow_mapping_hint(problem, data, mark.line, mark.column)
    if hint:
        return f"invalid YAML at {where}: {hint}"
    return f"invalid YAML at {where}: {problem}"


def _flow_mapping_hint(problem: str, data: bytes, line: int, column: int) -> str | None:
    """How to write ``{file: ${VAR}/x}``, when that is what the parser tripped over."""
    if "but got '{'" not in problem:
        return None
    lines = data.decode("utf-8", "replace").splitlines()
    if line >= len(lines):
        return None
    text = lines[line]
    if column == 0 or text[column - 1 : column + 1] != "${":
        return None
    match = _FLOW_SECRET.search(text)
    key, value = ("token", "${CREDENTIALS_DIRECTORY}/NAME")
    if match:
        key, value = match.group("key") or key, match.group("path")
    return (
        "'${' inside a flow mapping {...} starts another mapping; quote the path: "
        f'{key}: {{file: "{value}"}} (or write it as a block: {key}:, then file: {value} '
        "on the next line, indented)"
    )
