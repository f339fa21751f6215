"""Request bodies and query strings of the IPAM API, strict so bad input is a 422 naming the field."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from monitord.errors import RequestError
from monitord.ipam.addressing import normalize_mac

Status = Literal["allocated", "reserved", "dhcp", "offline"]
RangeKind = Literal["pool", "dhcp", "reserved"]
HOSTNAME = r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$"
NAME = r"^[A-Za-z0-9_.-]{1,64}$"
# Bigger numbers would reach the database as an OverflowError (SQLite) or DataError (PostgreSQL)
# instead of a 4xx: ids are INTEGER columns (32-bit on PostgreSQL), OFFSET is a 64-bit integer.
MAX_ID = 2**31 - 1
MAX_OFFSET = 2**63 - 1


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _mac(value: str | None) -> str | None:
    if value is None or value == "":
        return value
    try:
        return normalize_mac(value)
    except RequestError as exc:
        raise ValueError(str(exc)) from None


class SubnetBody(Body):
    cidr: str = Field(min_length=1, max_length=64)
    name: str | None = Field(default=None, max_length=128)
    site: str | None = Field(default=None, max_length=128)
    vlan: int | None = Field(default=None, ge=1, le=4094)
    description: str = Field(default="", max_length=2000)


class SubnetPatch(Body):
    """Only the fields sent change; ``null`` clears name, site or VLAN."""

    name: str | None = Field(default=None, max_length=128)
    site: str | None = Field(default=None, max_length=128)
    vlan: int | None = Field(default=None, ge=1, le=4094)
    description: str | None = Field(default=None, max_length=2000)


class RangeBody(Body):
    name: str = Field(pattern=NAME)
    kind: RangeKind = "pool"
    first: str = Field(min_length=1, max_length=64)
    last: str = Field(min_length=1, max_length=64)
    description: str = Field(default="", max_length=2000)


class RangePatch(Body):
    """A range's kind or description; its bounds never move (delete and re-create it)."""

    kind: RangeKind | None = None
    description: str | None = Field(default=None, max_length=2000)


class AllocateBody(Body):
    address: str | None = Field(default=None, max_length=64)
    range: str | None = Field(default=None, pattern=NAME)
    status: Status = "allocated"
    hostname: str | None = Field(default=None, max_length=253, pattern=HOSTNAME)
    mac: str | None = None
    description: str = Field(default="", max_length=2000)
    owner: str | None = Field(default=None, max_length=128)
    target: str | None = Field(default=None, max_length=128)
    check: bool = False

    @field_validator("mac")
    @classmethod
    def _valid_mac(cls, value: str | None) -> str | None:
        return _mac(value)


class AddressPatch(Body):
    status: Status | None = None
    hostname: str | None = Field(default=None, max_length=253, pattern=r"^$|" + HOSTNAME)
    mac: str | None = None
    description: str | None = Field(default=None, max_length=2000)
    owner: str | None = Field(default=None, max_length=128)
    target: str | None = Field(default=None, max_length=128)

    @field_validator("mac")
    @classmethod
    def _valid_mac(cls, value: str | None) -> str | None:
        return _mac(value)


class SubnetQuery(Body):
    site: str | None = None


class AvailableQuery(Body):
    count: int = Field(default=10, ge=1, le=1024)
    range: str | None = Field(default=None, pattern=NAME)


class BlocksQuery(Body):
    prefixlen: int = Field(ge=0, le=128)


class AddressQuery(Body):
    subnet_id: int | None = Field(default=None, ge=0, le=MAX_ID)
    status: Status | None = None
    hostname: str | None = None
    mac: str | None = None
    owner: str | None = None
    range: str | None = None
    q: str | None = Field(default=None, min_length=1, max_length=128)
    limit: int = Field(default=100, ge=1, le=10000)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)


class AuditQuery(Body):
    object: str | None = None
    actor: str | None = None
    limit: int = Field(default=100, ge=1, le=10000)
    before_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class ImportQuery(Body):
    dry_run: bool = False


class ExportQuery(Body):
    subnet_id: int | None = Field(default=None, ge=0, le=MAX_ID)


class FindingsQuery(Body):
    kind: Literal["conflict", "stale", "mac_change"] | None = None
    subnet_id: int | None = Field(default=None, ge=0, le=MAX_ID)
    include_resolved: bool = False


class ReconcileBody(Body):
    subnet: str | None = None
