"""Rendezvous (highest random weight) hashing: which live node owns each target.

Every node scores every (node, key) pair with the same hash and the highest
score wins, so all nodes reach the same answer from the same member list with
no coordination, and a member joining or leaving moves only the keys it wins or
held (about 1/n of them), never a key between two other nodes.

The key of a target is its topmost ancestor (``parent:`` chain), so a site's
router and the devices behind it share an owner and dependencies (a child's
page suppressed while its parent is down) are judged on one node. The node set
is narrowed per target to the members allowed its zone and site.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from probes.base import ProbeTarget

MAX_DEPTH = 16  # the configuration refuses parent cycles; this only bounds the walk


@dataclass(frozen=True, slots=True)
class Node:
    """A live member as ownership sees it: its name and what it may probe."""

    name: str
    zones: frozenset[str] | None = None
    sites: frozenset[str] | None = None

    def allows(self, target: ProbeTarget) -> bool:
        if self.zones is not None and (target.zone is None or target.zone not in self.zones):
            return False
        return self.sites is None or target.site in self.sites


def score(node: str, key: str) -> int:
    """The weight of ``node`` for ``key``: 64 bits of BLAKE2b, stable across processes."""
    digest = hashlib.blake2b(f"{node}\0{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def owner_of(key: str, nodes: Iterable[str]) -> str | None:
    """The node with the highest score for ``key`` (ties by name); None without nodes."""
    best: tuple[int, str] | None = None
    for node in nodes:
        candidate = (score(node, key), node)
        if best is None or candidate > best:
            best = candidate
    return None if best is None else best[1]


def root_of(target: ProbeTarget, targets: Mapping[str, ProbeTarget]) -> str:
    """The topmost ancestor's name (the target's own without a parent)."""
    current = target
    for _ in range(MAX_DEPTH):
        parent = targets.get(current.parent) if current.parent else None
        if parent is None:
            break
        current = parent
    return current.name


def assign(targets: Iterable[ProbeTarget], nodes: Iterable[Node]) -> dict[str, str | None]:
    """target name -> owning node (None when no live node may probe it)."""
    members = sorted(nodes, key=lambda n: n.name)
    by_name = {t.name: t for t in targets}
    unrestricted = all(n.zones is None and n.sites is None for n in members)
    everyone = [n.name for n in members]
    out: dict[str, str | None] = {}
    for target in by_name.values():
        allowed = everyone if unrestricted else [n.name for n in members if n.allows(target)]
        out[target.name] = owner_of(root_of(target, by_name), allowed)
    return out
