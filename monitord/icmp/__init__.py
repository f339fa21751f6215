"""The ICMP engine shared by the ``icmp`` probe kind, the CLI and IPAM sweeps."""

from monitord.icmp.engine import IcmpEngine
from monitord.icmp.stats import PingStats

__all__ = ["IcmpEngine", "PingStats"]
