"""The shared text types: what they refuse, and that their JSON-schema patterns say the same."""

from __future__ import annotations

import re

import pytest
from pydantic import BaseModel, ValidationError

from monitord.inputs import Name, QueryFlag, Text, find_nul


class _Body(BaseModel):
    name: Name = ""
    text: Text = ""
    flag: QueryFlag = False


def _accepted(field: str, value: str) -> bool:
    try:
        _Body.model_validate({field: value})
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("field", ["name", "text"])
def test_schema_pattern_agrees_with_the_validator(field: str) -> None:
    pattern = _Body.model_json_schema()["properties"][field]["pattern"]
    # JSON-schema regexes spell code points as \uXXXX; Python's re reads the same escapes.
    compiled = re.compile(pattern)
    for code in [*range(0, 0x100), 0x2028, 0x2029, 0x200B, 0xFEFF, 0x1F600]:
        value = f"a{chr(code)}b"
        assert bool(compiled.match(value)) == _accepted(field, value), (field, hex(code))


def test_names_refuse_every_control_character_and_text_keeps_newlines() -> None:
    assert _accepted("name", "core-switch 1 (Wien)")
    assert not _accepted("name", "a\nb") and not _accepted("name", "a\u0085b")
    assert _accepted("text", "line one\r\n\tline two")
    assert not _accepted("text", "a\u0000b") and not _accepted("text", "\u001b[31mred")


def test_query_flag_takes_exactly_true_or_false() -> None:
    assert _Body.model_validate({"flag": "true"}).flag is True
    assert _Body.model_validate({"flag": "false"}).flag is False
    for value in ("yes", "1", "True", "on", ""):
        with pytest.raises(ValidationError):
            _Body.model_validate({"flag": value})


def test_find_nul_names_the_path() -> None:
    assert find_nul({"a": [1, {"b": "ok"}, {"c": "x\u0000"}]}) == "a[2].c"
    assert find_nul({"a\u0000": 1}) == "a\\0"
    assert find_nul({"a": ["fine", 2, None, True]}) is None
    deep: object = "x\u0000"
    for _ in range(10_000):  # deeper than the recursion limit
        deep = [deep]
    assert find_nul({"d": deep}) == "d" + "[0]" * 10_000
