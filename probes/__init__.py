"""The static registry of probe kinds: adding a kind is one module plus one line here.

The registry is built on first use, not at import: importing every probe module
(SNMP, SSH, SQLAlchemy for the backup history...) costs about 0.9 s, and
``monitord probe tcp`` or ``monitord version`` need none of it (issue 20: a
one-shot command answers in at most 300 ms). ``from probes import REGISTRY``
still works; it builds the map once.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from probes.base import ProbeKind, ProbeSettings, ProbeTarget

if TYPE_CHECKING:
    REGISTRY: dict[str, type[ProbeKind]]  # type: ignore[type-arg]

# kind name -> "module:class", in the order summaries list them.
KINDS: dict[str, str] = {
    "tcp": "probes.tcp:TcpProbe",
    "icmp": "probes.icmp:IcmpProbe",
    "ssh_log": "probes.ssh_log:SshLogProbe",
    "backup": "probes.backup:BackupProbe",
    "snmp": "probes.snmp:SnmpProbe",
    "http": "probes.http:HttpProbe",
    "tls": "probes.tls:TlsProbe",
    "dns": "probes.dns:DnsProbe",
}

_registry: dict[str, type[ProbeKind]] = {}  # type: ignore[type-arg]


def _build() -> dict[str, type[ProbeKind]]:  # type: ignore[type-arg]
    if not _registry:
        for name, where in KINDS.items():
            module_name, _, class_name = where.partition(":")
            kind: type[ProbeKind] = getattr(importlib.import_module(module_name), class_name)  # type: ignore[type-arg]
            if kind.name != name:
                raise RuntimeError(f"probes.KINDS names {name!r} but {where} is {kind.name!r}")
            _registry[name] = kind
    return _registry


def __getattr__(name: str) -> object:
    if name == "REGISTRY":
        return _build()
    raise AttributeError(f"module 'probes' has no attribute {name!r}")


def kind_names() -> list[str]:
    """Registered probe kinds, sorted, for messages and summaries (no module is imported)."""
    return sorted(KINDS)


__all__ = ["KINDS", "REGISTRY", "ProbeKind", "ProbeSettings", "ProbeTarget", "kind_names"]
