"""Interface names as the SNMP poll reports them, so a trap lands on the poll's alert.

An interface alert is identified by its target and the tags of the poll's
``snmp_interface`` result (``ifName``, ``ifIndex`` and ``ifAlias`` when set). A
linkDown trap names the interface by ifIndex only (most devices), so the
receiver remembers, per target and ifIndex, the tags the last poll used; a
trap that carries ifName/ifAlias itself is used as is when the poll has not
run yet, with the poll's fallback for a missing name, and remembered, so a later
linkUp naming the interface by ifIndex only ends the same alert.
"""

from __future__ import annotations

from monitord.results import ProbeResult

MAX_INTERFACES = 1_000_000  # (target, ifIndex) pairs remembered


class InterfaceNames:
    """(target, ifIndex) -> (ifName, ifAlias), learned from the poll's results."""

    def __init__(self) -> None:
        self._names: dict[tuple[str, str], tuple[str, str]] = {}

    def __len__(self) -> int:
        return len(self._names)

    def learn(self, results: list[ProbeResult]) -> None:
        names = self._names
        for result in results:
            if result.measurement != "snmp_interface" or result.pushed or result.kind != "snmp":
                continue
            tags = result.tags
            index = tags.get("ifIndex")
            if index is None:
                continue
            key = (result.target, index)
            if key not in names and len(names) >= MAX_INTERFACES:
                continue
            names[key] = (tags.get("ifName", f"if{index}"), tags.get("ifAlias", ""))

    def remember(self, target: str, index: str, name: str, alias: str) -> None:
        """Names a trap carried, for the traps that follow with ifIndex only (a linkUp after
        a linkDown that named the interface); the poll's names replace them when it reports."""
        if len(self._names) < MAX_INTERFACES:
            self._names.setdefault((target, index), (name, alias))

    def lookup(self, target: str, index: str) -> tuple[str, str] | None:
        return self._names.get((target, index))

    def forget(self, keep: set[str]) -> None:
        """Drop what was learned of targets no longer configured."""
        self._names = {k: v for k, v in self._names.items() if k[0] in keep}
