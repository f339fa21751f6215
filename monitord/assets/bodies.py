"""Request bodies and query strings of the register's API, strict so bad input is a 422 naming the field.

The CSV importer validates each row through the same models, so a file and a
request are held to one set of rules (``sheet``).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from monitord.errors import RequestError
from monitord.inputs import Line, Name, Text
from monitord.ipam.addressing import parse_address

Kind = Literal[
    "server",
    "switch",
    "router",
    "firewall",
    "access-point",
    "pos-till",
    "receipt-printer",
    "pc",
    "laptop",
    "ups",
    "printer",
    "other",
]
Status = Literal["in-use", "spare", "in-repair", "retired"]
TAG = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
TAG_RULE = "an asset tag is 1-64 letters, digits or . _ -, starting with a letter or digit"
# Words the API uses as paths under /api/v1/assets/, so no asset can be reached as one of them.
RESERVED_TAGS = frozenset({"export", "import", "discover"})
MAX_ADDRESSES = 64
MAX_ID = 2**31 - 1
MAX_OFFSET = 2**63 - 1


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _addresses(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    canonical: list[str] = []
    for index, text in enumerate(values):
        try:
            address = str(parse_address(text))
        except RequestError as exc:
            raise ValueError(f"[{index}]: {exc}") from None
        if address in canonical:
            raise ValueError(f"{address} is listed twice")
        canonical.append(address)
    return canonical


class _Fields(Body):
    """What create and patch share (every field but the tag)."""

    vendor: Name | None = Field(default=None, max_length=128, description="Maker (Cisco, HP, Epson...).")
    model: Name | None = Field(default=None, max_length=128, description="Model as the register writes it.")
    serial: Name | None = Field(default=None, max_length=128, description="Serial number.")
    firmware: Name | None = Field(
        default=None,
        max_length=128,
        description="Firmware the register records; discovery fills it when empty, and a device "
        "reporting another one is drift until the register is corrected.",
    )
    room: Name | None = Field(default=None, max_length=128, description="Room within the site.")
    rack: Name | None = Field(default=None, max_length=128, description="Rack (and unit) within the room.")
    owner: Name | None = Field(default=None, max_length=128, description="Owner or department.")
    purchase_date: dt.date | None = Field(default=None, description="Purchase date (YYYY-MM-DD).")
    warranty_end: dt.date | None = Field(default=None, description="Last day of warranty (YYYY-MM-DD).")
    notes: Text | None = Field(default=None, max_length=4000, description="Free notes.")
    target: Name | None = Field(
        default=None, max_length=128, description="The monitoring target this asset is (by name)."
    )
    addresses: list[Line] | None = Field(
        default=None,
        max_length=MAX_ADDRESSES,
        description="IPAM addresses the asset uses; each must be registered in IPAM and belongs to "
        "one asset at most.",
    )
    pos_terminal: Name | None = Field(
        default=None,
        max_length=160,
        description="The POS terminal this asset is, as store/terminal (from pos.stores).",
    )

    @field_validator("addresses")
    @classmethod
    def _canonical(cls, values: list[str] | None) -> list[str] | None:
        return _addresses(values)


class AssetBody(_Fields):
    """A new asset: tag, kind and site are required."""

    tag: str = Field(pattern=TAG, description=TAG_RULE)
    kind: Kind = Field(description="What the equipment is.")
    site: Name = Field(min_length=1, max_length=128, description="A site the configuration knows.")
    status: Status = Field(default="in-use", description="in-use, spare, in-repair or retired.")

    @field_validator("tag")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value.lower() in RESERVED_TAGS:
            raise ValueError(
                f"{value!r} is reserved (not usable as a tag: {', '.join(sorted(RESERVED_TAGS))})"
            )
        return value


class AssetPatch(_Fields):
    """Only the fields sent change; ``null`` clears an optional field (kind, site, status stay set)."""

    kind: Kind | None = None
    site: Name | None = Field(default=None, min_length=1, max_length=128)
    status: Status | None = None


class AssetQuery(Body):
    site: Name | None = Field(default=None, max_length=128)
    kind: Kind | None = None
    status: Status | None = None
    warranty_before: dt.date | None = Field(default=None, description="Warranty ends before this day.")
    q: Line | None = Field(
        default=None, max_length=128, description="Part of the tag, serial, model, vendor, owner or target."
    )
    limit: int = Field(default=500, ge=1, le=10000)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)


class HistoryQuery(Body):
    limit: int = Field(default=100, ge=1, le=10000)
    before_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class DiscoverQuery(Body):
    target: Name = Field(min_length=1, max_length=128, description="The monitoring target to discover.")


class ExportQuery(Body):
    site: Name | None = Field(default=None, max_length=128)
    status: Status | None = None
