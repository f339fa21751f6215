"""Every relative link in README.md and docs/**/*.md points to a file that exists, and an
anchor (``page.md#section``) to a heading of that page (issue 14: a newcomer follows links).

Anchors are GitHub's: the heading lower-cased, punctuation other than ``-`` and ``_``
dropped, spaces turned into ``-``, a repeated heading numbered ``-1``, ``-2``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]

# Written by engineers on other branches of issue 14 at the same time as this page set; a link
# to one of them is allowed while the file is missing, and checked like any other once it exists.
# Remove an entry once its branch is merged.
PENDING = frozenset(
    {
        "benchmarks/README.md",  # benchmark figures (benchmarks branch)
    }
)

_LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\(([^)\s]+)\)")
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
_CODE = re.compile(r"`[^`\n]*`")


def links(text: str) -> list[str]:
    """Targets of the inline links in ``text``, outside code blocks and code spans."""
    return _LINK.findall(_CODE.sub("", _FENCE.sub("", text)))


def anchors(text: str) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for line in _FENCE.sub("", text).splitlines():
        match = re.match(r"^#{1,6} (.+?)\s*#*$", line)
        if not match:
            continue
        slug = re.sub(r"[^\w\- ]", "", match.group(1).strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def broken_links(page: Path) -> list[str]:
    problems = []
    text = page.read_text(encoding="utf-8")
    for target in links(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:, file:
            continue
        path_part, _, anchor = target.partition("#")
        dest = (page.parent / path_part).resolve() if path_part else page
        rel = dest.relative_to(ROOT).as_posix() if dest.is_relative_to(ROOT) else str(dest)
        if not dest.exists():
            if rel not in PENDING:
                problems.append(f"{target}: no file {rel}")
            continue
        if anchor and dest.suffix == ".md" and anchor not in anchors(dest.read_text(encoding="utf-8")):
            problems.append(f"{target}: {rel} has no heading #{anchor}")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(page: Path) -> None:
    assert broken_links(page) == []


def test_the_checker_sees_broken_links_and_anchors(tmp_path: Path) -> None:
    (tmp_path / "b.md").write_text("# Title\n\n## Some `code` heading (x)\n\n## Title\n")
    page = tmp_path / "a.md"
    page.write_text(
        "[ok](b.md) [ok](b.md#some-code-heading-x) [ok](b.md#title-1) [web](https://x.example/)\n"
        "[bad](missing.md) [bad](b.md#nope) `[code](ignored.md)`\n"
        "```\n[fenced](ignored.md)\n```\n"
    )
    assert [p.split(":")[0] for p in broken_links(page)] == ["missing.md", "b.md#nope"]


def test_docs_tree_has_the_pages_the_readme_maps() -> None:
    """The README's map is the newcomer's entry; every page it names exists (or is pending)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = [t for t in links(readme) if t.startswith("docs/")]
    assert len(named) >= 20
    for target in named:
        path = target.partition("#")[0]
        assert (ROOT / path).exists() or path in PENDING, path
