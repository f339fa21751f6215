"""``pos:``: POS terminal heartbeats (filled by the POS subsystem)."""

from __future__ import annotations

from monitord.config.section import Section


class PosConfig(Section):
    """POS terminal register and heartbeat settings."""
