"""Assets as the JSON the API returns, the snapshot the audit log keeps, and what changed.

The audit log (the IPAM one, ``object_type`` ``asset``, keyed by tag) keeps a
full snapshot before and after every change; ``changes`` turns a pair of
snapshots into "field: from -> to" lines, which is how the history reads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from monitord.ipam.records import iso

# Register fields in CSV column order (the tag first); ``addresses`` is a list.
FIELDS = (
    "tag",
    "kind",
    "vendor",
    "model",
    "serial",
    "firmware",
    "site",
    "room",
    "rack",
    "owner",
    "purchase_date",
    "warranty_end",
    "status",
    "notes",
    "target",
    "addresses",
    "pos_terminal",
)
DATES = ("purchase_date", "warranty_end")
AUDIT_TYPE = "asset"


def day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def snapshot(row: Mapping[Any, Any], addresses: Sequence[str]) -> dict[str, Any]:
    """The register fields of an asset as JSON values (what the audit log stores)."""
    out: dict[str, Any] = {}
    for name in FIELDS:
        if name == "addresses":
            out[name] = sorted(addresses)
        elif name in DATES:
            out[name] = day(row[name])
        else:
            out[name] = row[name]
    return out


def asset_json(row: Mapping[Any, Any], addresses: Sequence[str]) -> dict[str, Any]:
    return {
        "id": row["id"],
        **snapshot(row, addresses),
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def shown(value: Any) -> str:
    if value is None or value in ("", []):
        return "(empty)"
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def changes(before: Mapping[Any, Any] | None, after: Mapping[Any, Any] | None) -> list[dict[str, Any]]:
    """Field by field, what a change did (a creation lists every field it set)."""
    old = before or {}
    new = after or {}
    out = []
    for name in FIELDS:
        if name == "tag":
            continue
        was, now = old.get(name), new.get(name)
        if (was or None) == (now or None):
            continue
        out.append(
            {"field": name, "before": was, "after": now, "text": f"{name}: {shown(was)} -> {shown(now)}"}
        )
    return out


def fact_json(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "value": row["value"],
        "source": row["source"],
        "first_seen": iso(row["first_seen"]),
        "last_seen": iso(row["last_seen"]),
    }
