"""Label matchers in Alertmanager's spelling: ``site=store-12``, ``target=~pos-.*``,
``rule!=high-rtt``, ``zone!~dmz|lab``. Used by silences and their API.

The grammar is exactly Alertmanager's: a label name, one of the four operators
``=``, ``!=``, ``=~``, ``!~``, and a value, optionally in double quotes (JSON
escapes). Anything else is an error with the position of the mistake: a typo
such as ``site==store-1`` used to be read as "site equals '=store-1'" and
silently silenced nothing. Regex values are RE2 (``monitord.patterns``), so a
silence can never stall the daemon, and are anchored at both ends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from monitord.patterns import Pattern, PatternError, compile_pattern

OPERATORS = ("=", "!=", "=~", "!~")
MAX_MATCHER_LENGTH = 1024
_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]*")
_OPERATOR_CHARS = re.compile(r"[=!~<>]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Matcher:
    """One ``label op value`` test; a missing label reads as the empty string."""

    label: str
    op: str
    value: str
    pattern: Pattern | None = None

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.label, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        assert self.pattern is not None
        found = self.pattern.fullmatch(actual.encode("utf-8", "surrogateescape")) is not None
        return found if self.op == "=~" else not found

    def __str__(self) -> str:
        value = self.value
        if value != value.strip() or value[:1] in ('"', "=", "!", "~", "<", ">"):
            value = json.dumps(value, ensure_ascii=False)
        return f"{self.label}{self.op}{value}"


def parse_matcher(text: str) -> Matcher:
    """``label=value`` and friends; raises ValueError saying what is wrong and where."""
    if len(text) > MAX_MATCHER_LENGTH:
        raise ValueError(f"a matcher is at most {MAX_MATCHER_LENGTH} characters")
    control = _CONTROL.search(text)
    if control:
        raise ValueError(f"{text!r}: control character at position {control.start()}")
    position = len(text) - len(text.lstrip())
    label = _LABEL.match(text, position)
    if label is None:
        raise ValueError(
            f"{text!r}: expected a label name at position {position} "
            "(use label=value, label!=value, label=~regex or label!~regex)"
        )
    position = label.end()
    position += len(text[position:]) - len(text[position:].lstrip())
    operator = _OPERATOR_CHARS.match(text, position)
    if operator is None:
        raise ValueError(f"{text!r}: expected an operator (=, !=, =~ or !~) at position {position}")
    op = operator.group()
    if op not in OPERATORS:
        raise ValueError(f"{text!r}: unknown operator {op!r} at position {position} (use =, !=, =~ or !~)")
    value_at = operator.end()
    value = text[value_at:].strip()
    if value.startswith('"'):
        value = _unquote(text, value, value_at + len(text[value_at:]) - len(text[value_at:].lstrip()))
    pattern = None
    if op in ("=~", "!~"):
        try:
            pattern = compile_pattern(value)
        except PatternError as exc:
            raise ValueError(f"{text!r}: bad regular expression: {exc}") from None
    return Matcher(label.group(), op, value, pattern)


def _unquote(text: str, quoted: str, position: int) -> str:
    try:
        value = json.loads(quoted)
    except ValueError:
        value = None
    if not isinstance(value, str):
        raise ValueError(f"{text!r}: unterminated or invalid quoted value at position {position}")
    if _CONTROL.search(value):
        raise ValueError(f"{text!r}: control character in the quoted value at position {position}")
    return value


def all_match(matchers: tuple[Matcher, ...], labels: Mapping[str, str]) -> bool:
    return all(m.matches(labels) for m in matchers)
