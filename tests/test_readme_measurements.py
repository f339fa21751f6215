"""Every measurement and field name the documentation states is one the daemon writes (finding
13: the README named ``snmp_if`` while the SNMP probe writes ``snmp_interface``). Since issue 14
the per-kind pages live in docs/ (docs/probes/*.md, docs/pos.md, docs/ipam.md ...), so README.md
and every page under docs/ are read.

The written measurement names come from the code: each registered probe kind's ``measurement``
and every literal ``measurement="..."`` / ``MEASUREMENT = "..."`` in ``monitord`` and ``probes``.
Field names are checked more loosely: each one the README lists for a measurement must be a
string in the code, or match an f-string there (``f"{direction}_bps"`` gives ``in_bps``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from probes import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def documentation() -> str:
    """README.md and every docs page, each starting on a line of its own."""
    return "\n\n".join(page.read_text(encoding="utf-8") for page in PAGES)


# The places README.md names a measurement.
STATED = [
    re.compile(r"[Mm]easurement \*{0,2}`([a-z_0-9]+)`"),  # measurement `pos`, **`icmp`**
    re.compile(r"[Mm]easurements? \(((?:`[a-z_0-9]+`,? ?)+)"),  # measurement (`icmp`, `tcp`, ...)
    re.compile(r"Fields of `([a-z_0-9]+)`"),
    re.compile(r"^`([a-z_0-9]+)` \(tags", re.MULTILINE),  # `snmp_interface` (tags: ...)
    # the | kind | measurement | table
    re.compile(rf"^\| `(?:{'|'.join(REGISTRY)})` \| `([a-z_0-9]+)` \|", re.MULTILINE),
    re.compile(r'_measurement == "([a-z_0-9]+)"'),
    re.compile(r"[?&]measurement=([a-z_0-9]+)"),
]
WRITTEN = [
    re.compile(r'measurement="([a-z_0-9]+)"'),
    re.compile(r'MEASUREMENT = "([a-z_0-9]+)"'),
]


def stated_names(text: str) -> set[str]:
    names: set[str] = set()
    for pattern in STATED:
        for match in pattern.finditer(text):
            names.update(re.findall(r"[a-z_0-9]+", match.group(1)))
    return names


def written_names() -> set[str]:
    names = {kind.measurement for kind in REGISTRY.values()}
    for package in ("monitord", "probes"):
        for path in (ROOT / package).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            for pattern in WRITTEN:
                names.update(pattern.findall(source))
    return names


def test_the_patterns_find_what_the_readme_states() -> None:
    assert stated_names("measurement (`icmp`, `tcp`, `snmp_if`, ...)") == {"icmp", "tcp", "snmp_if"}
    assert stated_names("| `ssh_log` | `log` | reads ...") == {"log"}


def test_every_measurement_the_readme_names_is_written() -> None:
    stated = stated_names(documentation())
    written = written_names()
    assert {
        "icmp",
        "tcp",
        "snmp_system",
        "snmp_interface",
        "snmp_storage",
        "log",
        "backup",
        "pos",
        "ipam_reconcile",
    } <= written
    assert {"icmp", "tcp", "snmp_interface", "log", "backup", "pos", "ipam_reconcile"} <= stated
    assert stated - written == set()


# README paragraphs that list fields: (where it starts, where it ends).
FIELD_LISTS = [
    ("Measurement `tcp`: fields", "\n"),
    ("and these fields:", "A run with no reply"),  # icmp
    ("`snmp_system` (tags", "Rates: wraps"),  # snmp_system/_interface/_storage
    ("Fields of `log`", "\n\n"),
    ("Fields of `backup`", "\n\n"),
    ("Results (measurement `pos`)", "Built-in alert rules"),
    ("results of measurement `ipam_reconcile`", "The built-in alert"),
]
_TAG_LISTS = re.compile(r"tags:? (?:`[^`]+`(?:,? (?:and )?)?)+")


def listed_fields(text: str) -> dict[str, set[str]]:
    out = {}
    for start, end in FIELD_LISTS:
        begin = text.index(start)
        span = _TAG_LISTS.sub("", text[begin : text.index(end, begin + len(start))])
        out[start] = set(re.findall(r"`([a-z][a-z0-9_]*)`", span))
    return out


def code_strings() -> tuple[set[str], list[re.Pattern[str]]]:
    literals: set[str] = set()
    templates: list[re.Pattern[str]] = []
    for package in ("monitord", "probes"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    literals.add(node.value)
                elif isinstance(node, ast.JoinedStr):
                    fixed = [str(v.value) for v in node.values if isinstance(v, ast.Constant)]
                    if sum(map(len, fixed)) >= 2:
                        templates.append(
                            re.compile(
                                "".join(
                                    re.escape(str(v.value)) if isinstance(v, ast.Constant) else "[a-z0-9_]+"
                                    for v in node.values
                                )
                            )
                        )
    return literals, templates


def test_every_field_the_readme_lists_is_written() -> None:
    literals, templates = code_strings()

    def written(name: str) -> bool:
        return name in literals or any(t.fullmatch(name) for t in templates)

    assert written("in_bps") and written("connect_ms") and not written("connect_msec")
    listed = listed_fields(documentation())
    assert {
        "connect_ms",
        "rtt_median_ms",
        "in_util_pct",
        "rotations_lost",
        "shrink_share",
        "heartbeat_age",
        "mac_changes",
    } <= set().union(*listed.values())
    missing = {start: sorted(n for n in names if not written(n)) for start, names in listed.items()}
    assert missing == {start: [] for start, _end in FIELD_LISTS}
