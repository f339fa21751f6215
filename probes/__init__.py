"""The static registry of probe kinds: adding a kind is one module plus one line here."""

from __future__ import annotations

from probes.backup import BackupProbe
from probes.base import ProbeKind, ProbeSettings, ProbeTarget
from probes.dns import DnsProbe
from probes.http import HttpProbe
from probes.icmp import IcmpProbe
from probes.snmp import SnmpProbe
from probes.ssh_log import SshLogProbe
from probes.tcp import TcpProbe
from probes.tls import TlsProbe

REGISTRY: dict[str, type[ProbeKind]] = {  # type: ignore[type-arg]
    TcpProbe.name: TcpProbe,
    IcmpProbe.name: IcmpProbe,
    SshLogProbe.name: SshLogProbe,
    BackupProbe.name: BackupProbe,
    SnmpProbe.name: SnmpProbe,
    HttpProbe.name: HttpProbe,
    TlsProbe.name: TlsProbe,
    DnsProbe.name: DnsProbe,
}


def kind_names() -> list[str]:
    """Registered probe kinds, sorted, for messages and summaries."""
    return sorted(REGISTRY)


__all__ = ["REGISTRY", "ProbeKind", "ProbeSettings", "ProbeTarget", "kind_names"]
