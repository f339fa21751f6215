"""Request bodies and query strings of the IPAM API, strict so bad input is a 422 naming the field.

Names refuse control characters, descriptions refuse NUL (``monitord.inputs``),
``check`` is a real JSON boolean and query flags are ``true`` or ``false``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from monitord.errors import RequestError
from monitord.inputs import Line, Name, QueryFlag, StrictBool, Text
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
    cidr: Line = Field(min_length=1, max_length=64)
    name: Name | None = Field(default=None, max_length=128)
    site: Name | None = Field(default=None, max_length=128)
    vlan: int | None = Field(default=None, ge=1, le=4094)
    description: Text = Field(default="", max_length=2000)


class SubnetPatch(Body):
    """Only the fields sent change; ``null`` clears name, site or VLAN."""

    name: Name | None = Field(default=None, max_length=128)
    site: Name | None = Field(default=None, max_length=128)
    vlan: int | None = Field(default=None, ge=1, le=4094)
    description: Text | None = Field(default=None, max_length=2000)


class RangeBody(Body):
    name: str = Field(pattern=NAME)
    kind: RangeKind = "pool"
    first: Line = Field(min_length=1, max_length=64)
    last: Line = Field(min_length=1, max_length=64)
    description: Text = Field(default="", max_length=2000)


class AllocateBody(Body):
    address: Line | None = Field(default=None, max_length=64)
    range: str | None = Field(default=None, pattern=NAME)
    status: Status = "allocated"
    hostname: str | None = Field(default=None, max_length=253, pattern=HOSTNAME)
    mac: Line | None = Field(default=None, max_length=64)
    description: Text = Field(default="", max_length=2000)
    owner: Name | None = Field(default=None, max_length=128)
    target: Name | None = Field(default=None, max_length=128)
    check: StrictBool = False

    @field_validator("mac")
    @classmethod
    def _valid_mac(cls, value: str | None) -> str | None:
        return _mac(value)


class AddressPatch(Body):
    status: Status | None = None
    hostname: str | None = Field(default=None, max_length=253, pattern=r"^$|" + HOSTNAME)
    mac: Line | None = Field(default=None, max_length=64)
    description: Text | None = Field(default=None, max_length=2000)
    owner: Name | None = Field(default=None, max_length=128)
    target: Name | None = Field(default=None, max_length=128)

    @field_validator("mac")
    @classmethod
    def _valid_mac(cls, value: str | None) -> str | None:
        return _mac(value)


class SubnetQuery(Body):
    site: Name | None = Field(default=None, max_length=128)


class AvailableQuery(Body):
    count: int = Field(default=10, ge=1, le=1024)
    range: str | None = Field(default=None, pattern=NAME)


class BlocksQuery(Body):
    prefixlen: int = Field(ge=0, le=128)


class AddressQuery(Body):
    subnet_id: int | None = Field(default=None, ge=0, le=MAX_ID)
    status: Status | None = None
    hostname: Line | None = Field(default=None, max_length=253)
    mac: Line | None = Field(default=None, max_length=64)
    owner: Name | None = Field(default=None, max_length=128)
    range: Name | None = Field(default=None, max_length=64)
    q: Line | None = Field(default=None, min_length=1, max_length=128)
    limit: int = Field(default=100, ge=1, le=10000)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)


class AuditQuery(Body):
    object: Line | None = Field(default=None, max_length=256)
    actor: Name | None = Field(default=None, max_length=128)
    limit: int = Field(default=100, ge=1, le=10000)
    before_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class ImportQuery(Body):
    dry_run: QueryFlag = False


class ExportQuery(Body):
    subnet_id: int | None = Field(default=None, ge=0, le=MAX_ID)


class FindingsQuery(Body):
    kind: Literal["conflict", "stale", "mac_change"] | None = None
    subnet_id: int | None = Field(default=None, ge=0, le=MAX_ID)
    include_resolved: QueryFlag = False


class ReconcileBody(Body):
    subnet: Line | None = Field(default=None, max_length=64)
