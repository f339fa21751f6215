"""``notify:``: notification routes through apprise (filled by the alert engine)."""

from __future__ import annotations

from monitord.config.section import Section


class NotifyConfig(Section):
    """Notification routes."""
