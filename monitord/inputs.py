"""Validated input types shared by API bodies and the configuration file.

Text a client sends ends up in the state database, in logs and on pages.
PostgreSQL refuses NUL in text columns (a 500 instead of a 4xx), and control
characters in a name break log lines and terminal output, so they are refused
at the edge with a message naming the character:

- ``Name``: identifiers and single-line labels (subnet, site, owner, assignee):
  no control characters at all, no line or paragraph separators.
- ``Line``: single-line free text (a description, a search string): as ``Name``.
- ``Text``: multi-line free text (notes, root causes, comments): tab, newline
  and carriage return are allowed; NUL and every other control character are not.

Booleans in JSON bodies are strict (``StrictBool``: ``"yes"`` is not ``true``);
in a query string, where everything is text, ``QueryFlag`` takes exactly
``true`` or ``false``.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StrictBool

_MULTILINE = frozenset("\t\n\r\u2028\u2029")  # line breaks, in whatever spelling
_SEPARATORS = frozenset("\u2028\u2029")


def control_character(value: str, allowed: frozenset[str] = frozenset()) -> str | None:
    """The first control character in ``value`` not in ``allowed``, or None."""
    for char in value:
        if char in allowed:
            continue
        if char in _SEPARATORS or unicodedata.category(char) == "Cc":
            return char
    return None


def _describe(char: str) -> str:
    return "NUL" if char == "\x00" else f"U+{ord(char):04X}"


def _single_line(value: str) -> str:
    char = control_character(value)
    if char is not None:
        raise ValueError(
            f"must not contain control characters (found {_describe(char)} at position {value.index(char)})"
        )
    return value


def _multi_line(value: str) -> str:
    char = control_character(value, _MULTILINE)
    if char is not None:
        raise ValueError(
            f"must not contain {_describe(char)} at position {value.index(char)} "
            "(only tab and newline are allowed control characters)"
        )
    return value


def _flag(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError("use true or false")


# The same rules as JSON-schema patterns, so the OpenAPI document (and a fuzzer reading it) knows them.
_SINGLE_LINE_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$"
_MULTI_LINE_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"

Name = Annotated[
    str, AfterValidator(_single_line), Field(json_schema_extra={"pattern": _SINGLE_LINE_PATTERN})
]
Line = Name
Text = Annotated[str, AfterValidator(_multi_line), Field(json_schema_extra={"pattern": _MULTI_LINE_PATTERN})]
QueryFlag = Annotated[bool, BeforeValidator(_flag)]


def find_nul(document: Any, path: str = "") -> str | None:
    """The path (``a.b[2]``) of the first string or key in a JSON document holding NUL, else None.

    Every body passes here before its model sees it, so no handler (including
    ones whose models declare plain ``str``) stores NUL in a text column.
    Iterative, so a deeply nested body cannot exhaust the stack.
    """
    stack: list[tuple[str, Any]] = [(path, document)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return where
        elif isinstance(node, dict):
            for key, value in reversed(list(node.items())):
                child = f"{where}.{key}" if where else str(key)
                if "\x00" in key:
                    return child.replace("\x00", "\\0")
                stack.append((child, value))
        elif isinstance(node, list):
            for index in range(len(node) - 1, -1, -1):
                stack.append((f"{where}[{index}]", node[index]))
    return None


__all__ = ["Line", "Name", "QueryFlag", "StrictBool", "Text", "control_character", "find_nul"]
