"""Every measurement name README.md states is one the daemon writes (finding 13: the README named
``snmp_if`` while the SNMP probe writes ``snmp_interface``).

The written names come from the code: each registered probe kind's ``measurement`` and every
literal ``measurement="..."`` / ``MEASUREMENT = "..."`` in ``monitord`` and ``probes``.
"""

from __future__ import annotations

import re
from pathlib import Path

from probes import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
# The places README.md names a measurement.
STATED = [
    re.compile(r"[Mm]easurement \*{0,2}`([a-z_0-9]+)`"),                # measurement `pos`, **`icmp`**
    re.compile(r"[Mm]easurements? \(((?:`[a-z_0-9]+`,? ?)+)"),           # measurement (`icmp`, `tcp`, ...)
    re.compile(r"Fields of `([a-z_0-9]+)`"),
    re.compile(r"^`([a-z_0-9]+)` \(tags", re.MULTILINE),                # `snmp_interface` (tags: ...)
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
    stated = stated_names((ROOT / "README.md").read_text(encoding="utf-8"))
    written = written_names()
    assert {"icmp", "tcp", "snmp_system", "snmp_interface", "snmp_storage", "log", "backup", "pos",
            "ipam_reconcile"} <= written
    assert {"icmp", "tcp", "snmp_interface", "log", "backup", "pos", "ipam_reconcile"} <= stated
    assert stated - written == set()
