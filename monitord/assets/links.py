"""What an asset may point at: a site, a target and a POS terminal the configuration knows.

The API and the CSV importer check through the same ``Links`` view of the
configuration in force, so a link the daemon cannot resolve is refused with a
message naming the field, whichever way it arrives. (Linked IPAM addresses are
checked against the IP register inside the write transaction, in ``repo``.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from monitord.config.loader import LoadedConfig


@dataclass(frozen=True, slots=True)
class Links:
    sites: frozenset[str]
    targets: frozenset[str]
    terminals: frozenset[str]  # "store/terminal"

    @classmethod
    def of(cls, loaded: LoadedConfig) -> Links:
        """Sites are those under ``sites:`` and those targets and POS stores name."""
        config = loaded.config
        sites = set(config.sites)
        sites.update(r.target.site for r in loaded.targets)
        sites.update(store.site for store in config.pos.stores.values() if store.site)
        terminals = {
            f"{name}/{terminal}" for name, store in config.pos.stores.items() for terminal in store.terminals
        }
        return cls(frozenset(sites), frozenset(r.target.name for r in loaded.targets), frozenset(terminals))

    def problems(self, values: Mapping[str, Any]) -> list[tuple[str, str]]:
        """``(field, message)`` for every link in ``values`` that points nowhere."""
        out: list[tuple[str, str]] = []
        site = values.get("site")
        if site is not None and site not in self.sites:
            known = ", ".join(sorted(self.sites)) or "none configured"
            out.append(("site", f"no site named {site!r} (known: {known})"))
        target = values.get("target")
        if target and target not in self.targets:
            out.append(("target", f"no monitoring target named {target!r}"))
        terminal = values.get("pos_terminal")
        if terminal and terminal not in self.terminals:
            out.append(
                ("pos_terminal", f"no POS terminal {terminal!r} (write store/terminal as in pos.stores)")
            )
        return out
