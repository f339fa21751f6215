"""Time-zone names in configuration and requests, checked in one place."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def validate_timezone(value: str) -> str:
    """``value`` if it names an IANA time zone; ValueError naming it otherwise.

    ``ZoneInfo`` raises OSError, not ZoneInfoNotFoundError, for a directory such as
    ``Europe`` or a name too long for the file system: both are bad input too.
    """
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value
