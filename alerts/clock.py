"""Epoch-second timestamps as the alert tables store them, and their ISO form for the API."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat()


def as_datetime(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
