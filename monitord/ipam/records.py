"""Rows as the JSON the API returns, the CSV exports and the audit log stores."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

ADDRESS_FIELDS = ("address", "status", "hostname", "mac", "description", "owner", "target", "range_name")


def iso(value: datetime | None) -> str | None:
    """UTC ISO 8601; SQLite hands timestamps back without a zone, they are UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def address_json(row: Mapping[Any, Any], subnet_cidr: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {name: row[name] for name in ADDRESS_FIELDS}
    out["range"] = out.pop("range_name")
    out["subnet_id"] = row["subnet_id"]
    if subnet_cidr is not None:
        out["subnet"] = subnet_cidr
    out["created_at"] = iso(row["created_at"])
    out["updated_at"] = iso(row["updated_at"])
    out["last_seen_at"] = iso(row["last_seen_at"])
    out["seen_mac"] = row["seen_mac"]
    return out


def address_audit(row: Mapping[Any, Any]) -> dict[str, Any]:
    """The fields an audit entry keeps of an address (no timestamps: the entry has its own)."""
    out = {name: row[name] for name in ADDRESS_FIELDS}
    out["subnet_id"] = row["subnet_id"]
    return out


def range_json(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "subnet_id": row["subnet_id"],
        "name": row["name"],
        "kind": row["kind"],
        "first": row["first"],
        "last": row["last"],
        "description": row["description"],
    }


def subnet_json(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "cidr": row["cidr"],
        "family": row["family"],
        "parent_id": row["parent_id"],
        "site": row["site"],
        "vlan": row["vlan"],
        "name": row["name"],
        "description": row["description"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }
