"""Cross-section checks of ``snmp_traps:``: the targets its sender map names must exist."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from monitord.config.model import MonitordConfig


def check_snmp_traps(config: MonitordConfig) -> list[tuple[str, str]]:
    """Every target named in ``snmp_traps.senders`` is configured."""
    problems: list[tuple[str, str]] = []
    targets = {t.name for t in config.targets}
    for address, target in config.snmp_traps.senders.items():
        if target not in targets:
            problems.append((f"snmp_traps.senders.{address}", f"unknown target {target!r}"))
    return problems
