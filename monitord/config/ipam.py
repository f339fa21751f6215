"""``ipam:``: IP address management settings (filled by the IPAM subsystem)."""

from __future__ import annotations

from monitord.config.section import Section


class IpamConfig(Section):
    """IPAM settings."""
