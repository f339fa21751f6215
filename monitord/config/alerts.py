"""``alerts:``: alert rules and their evaluation (filled by the alert engine)."""

from __future__ import annotations

from monitord.config.section import Section


class AlertsConfig(Section):
    """Alert rules; the built-in defaults apply when none are written."""
