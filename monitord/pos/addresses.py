"""Terminal addresses from the IPAM register, when the IPAM component is installed.

The POS network's address register lives in IPAM; a till's address there is the
record whose hostname is ``<store>-<terminal>`` or ``<terminal>.<store>`` (the
two spellings stores use). This module only reads, and only if ``monitord.ipam``
exists: POS works the same without it (configured or last-seen addresses).
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from monitord.ipam import tables

log = logging.getLogger("monitord.pos")


def ipam_available() -> bool:
    return importlib.util.find_spec("monitord.ipam.tables") is not None


def hostnames(store: str, terminal: str) -> tuple[str, str]:
    """The IPAM hostnames a terminal may be recorded under."""
    return (f"{store}-{terminal}".lower(), f"{terminal}.{store}".lower())


async def ipam_addresses(engine: AsyncEngine, names: Iterable[str]) -> dict[str, str]:
    """hostname (lower case) -> address for the given hostnames that IPAM knows."""
    if not ipam_available():
        return {}
    wanted = sorted(set(names))
    found: dict[str, str] = {}
    async with engine.connect() as conn:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            query = sa.select(tables.addresses.c.hostname, tables.addresses.c.address).where(
                sa.func.lower(tables.addresses.c.hostname).in_(chunk)
            )
            for hostname, address in (await conn.execute(query)).all():
                found[str(hostname).lower()] = str(address)
    return found
