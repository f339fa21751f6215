"""``start_finder`` answers exactly what ``search(...).start()`` answers, on its fast path
(RE2's compiled regexp called directly) and on the fallback through ``search``."""

from __future__ import annotations

from typing import Any

import pytest

from monitord.patterns import Pattern, compile_pattern, start_finder

DATA = "first line\nan ERROR here\nstraße und mehr\n\nERROR again at the end".encode()
PATTERNS = [
    ("ERROR", False),
    ("error", True),
    (r"^$", False),
    (r"stra(ß|ss)e", True),
    ("absent", False),
    ("", False),
]


class SearchOnly:
    """A pattern exposing only the documented ``search``: the fallback must be taken."""

    def __init__(self, inner: Pattern) -> None:
        self.inner = inner

    def search(self, text: bytes, pos: int = 0, endpos: Any = None) -> Any:
        return self.inner.search(text, pos)


@pytest.mark.parametrize(("pattern", "ignore_case"), PATTERNS)
def test_fast_path_and_fallback_agree_with_search(pattern: str, ignore_case: bool) -> None:
    compiled = compile_pattern(pattern, ignore_case=ignore_case, multiline=True)
    fast = start_finder(compiled)
    slow = start_finder(SearchOnly(compiled))  # type: ignore[arg-type]
    assert fast.__name__ == "direct" and slow.__name__ == "through_search"
    for position in range(len(DATA) + 1):
        found = compiled.search(DATA, position)
        expected = -1 if found is None else found.start()
        assert fast(DATA, position) == expected == slow(DATA, position), (pattern, position)
