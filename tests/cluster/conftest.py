"""The alert tests' loopback listeners, shared here."""

from tests.alerts.conftest import listeners

__all__ = ["listeners"]
