"""Checks of ``pos:`` against the rest of the configuration (sites, targets, probes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from monitord.config.model import MonitordConfig

POLL_KINDS = ("tcp", "icmp")


def check_pos(config: MonitordConfig) -> list[tuple[str, str]]:
    """Sites, routers and polled targets named in ``pos.stores`` must exist."""
    problems: list[tuple[str, str]] = []
    targets = {t.name: t for t in config.targets}
    for name, store in config.pos.stores.items():
        where = f"pos.stores.{name}"
        if store.site is not None and store.site not in config.sites:
            problems.append((f"{where}.site", f"no site named {store.site!r}"))
        if store.router is not None and store.router not in targets:
            problems.append((f"{where}.router", f"no target named {store.router!r}"))
        for terminal_id, terminal in store.terminals.items():
            if terminal.poll is None:
                continue
            if terminal.poll not in targets:
                problems.append(
                    (f"{where}.terminals.{terminal_id}.poll", f"no target named {terminal.poll!r}")
                )
    return problems
