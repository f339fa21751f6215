"""The configuration hash each member publishes, so a node reading another file is seen.

Every node is meant to read the same file. The hash covers the whole validated
configuration (secrets included, as a one-way digest) except what is meant to
differ per node: its cluster identity (node name, zones, sites), where it
listens (HTTP, POS UDP), where it keeps its local state and the address it
reaches the state store by.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from monitord.config.model import MonitordConfig

# Paths (section, ..., field) meant to differ per node; they are left out of the hash.
PER_NODE: tuple[tuple[str, ...], ...] = (
    ("cluster", "node"),
    ("cluster", "zones"),
    ("cluster", "sites"),
    ("http", "listen"),
    ("daemon", "state_dir"),
    ("storage", "state_url"),  # one database, perhaps reached by another address per node
    ("pos", "udp", "listen"),
)


def _plain(value: object) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(map(str, value))
    return str(value)


def config_hash(config: MonitordConfig) -> str:
    """A hex SHA-256 over the configuration minus its per-node fields."""
    document = config.model_dump(mode="python")
    for path in PER_NODE:
        part: Any = document
        for key in path[:-1]:
            part = part.get(key) if isinstance(part, dict) else None
        if isinstance(part, dict):
            part.pop(path[-1], None)
    encoded = json.dumps(document, sort_keys=True, default=_plain, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()
