"""The register as CSV, the way the department keeps it in spreadsheets: export, and import with a plan.

An import is first planned: every row is checked (address, subnet, status, MAC,
hostname, range, duplicates in the file) and every bad row is reported with its
line number; nothing is written unless every row is good. A dry run stops after
the plan. The plan of a real import is made again inside the write transaction,
so what is applied is what the database held at that moment.

An import never erases by omission: a column the file does not have (or a row
too short to reach it) leaves that field of an existing address as it is. Only
an explicit empty cell clears a field, and the plan lists every change field by
field (``target: store-0001-till-1 -> (empty)``), so a dry run shows it. A
status cannot be cleared: an empty status cell keeps the current one (a new
address gets ``allocated``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from netaddr import IPAddress, IPNetwork
from sqlalchemy.ext.asyncio import AsyncConnection

from monitord.errors import RequestError
from monitord.ipam.addressing import normalize_mac, parse_address, sort_key
from monitord.ipam.records import ADDRESS_FIELDS
from monitord.ipam.reserved import reserved_reason
from monitord.ipam.tables import STATUSES, addresses, ranges, subnets

COLUMNS = ("address", "subnet", "status", "hostname", "mac", "description", "owner", "target", "range")
_HOSTNAME = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$")
_LIMITS = {"description": 2000, "owner": 128, "target": 128, "hostname": 253}
# What a new address gets for a column the file does not have.
DEFAULTS: dict[str, Any] = {
    "status": "allocated",
    "hostname": None,
    "mac": None,
    "description": "",
    "owner": None,
    "target": None,
    "range_name": None,
}


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    column: str | None
    message: str

    def json(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.column, "error": self.message}


@dataclass(slots=True)
class ImportPlan:
    rows: int = 0
    creates: list[dict[str, Any]] = field(default_factory=list)
    updates: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "create": len(self.creates),
            "update": len(self.updates),
            "unchanged": self.unchanged,
            "errors": [p.json() for p in self.problems],
            "changes": self.changes,
        }


def _shown(value: Any) -> str:
    return "(empty)" if value is None or value == "" else str(value)


def field_changes(line: int, old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """What an update changes, one entry per field, as the dry run reports it."""
    out = []
    for name in DEFAULTS:
        if old[name] != new[name]:
            label = "range" if name == "range_name" else name
            out.append(
                {
                    "line": line,
                    "address": new["address"],
                    "field": label,
                    "before": old[name],
                    "after": new[name],
                    "text": f"{label}: {_shown(old[name])} -> {_shown(new[name])}",
                }
            )
    if old["subnet_id"] != new["subnet_id"]:
        out.append(
            {
                "line": line,
                "address": new["address"],
                "field": "subnet_id",
                "before": old["subnet_id"],
                "after": new["subnet_id"],
                "text": f"subnet_id: {old['subnet_id']} -> {new['subnet_id']}",
            }
        )
    return out


class SubnetFinder:
    """The most specific registered subnet holding an address, by hashing per prefix length."""

    def __init__(self, rows: list[tuple[int, str]]) -> None:
        self.by_cidr: dict[str, tuple[int, IPNetwork]] = {}
        self._tables: dict[tuple[int, int], dict[int, int]] = {}
        for subnet_id, cidr in rows:
            network = IPNetwork(cidr)
            self.by_cidr[str(network)] = (subnet_id, network)
            self._tables.setdefault((network.version, network.prefixlen), {})[int(network.first)] = subnet_id
        self._order = sorted(self._tables, key=lambda k: -k[1])
        self.networks = {sid: net for sid, net in self.by_cidr.values()}

    def find(self, address: IPAddress) -> int | None:
        value, version = int(address), address.version
        width = 32 if version == 4 else 128
        for key in self._order:
            if key[0] != version:
                continue
            mask = ((1 << width) - 1) ^ ((1 << (width - key[1])) - 1)
            found = self._tables[key].get(value & mask)
            if found is not None:
                return found
        return None


def read_rows(
    text: str,
    line_offset: int = 0,
    columns: tuple[str, ...] = COLUMNS,
    required: tuple[str, ...] = ("address",),
) -> tuple[list[tuple[int, dict[str, str]]], list[RowProblem]]:
    """CSV rows with their line numbers (in the original file: ``line_offset`` shifts them).

    A row holds only the cells it has: a column missing from the header, or a row too
    short to reach it, is absent from the row (the caller leaves that field alone).
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        return [], [RowProblem(1 + line_offset, None, "the file is empty (expected a header line)")]
    except csv.Error as exc:
        return [], [RowProblem(1 + line_offset, None, f"not CSV: {exc}")]
    names = [h.strip().lower() for h in header]
    problems = [
        RowProblem(1 + line_offset, n, f"unknown column {n!r} (known: {', '.join(columns)})")
        for n in names
        if n not in columns
    ]
    problems += [
        RowProblem(1 + line_offset, n, f"the header has no {n!r} column") for n in required if n not in names
    ]
    if problems:
        return [], problems
    out: list[tuple[int, dict[str, str]]] = []
    try:
        for values in reader:
            line = reader.line_num + line_offset
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(names):
                problems.append(RowProblem(line, None, f"{len(values)} values but {len(names)} columns"))
                continue
            out.append((line, {n: v.strip() for n, v in zip(names, values, strict=False)}))
    except csv.Error as exc:
        problems.append(RowProblem(reader.line_num + line_offset, None, f"not CSV: {exc}"))
    return out, problems


Spans = dict[tuple[int, str], tuple[int, int]]


def _check_row(
    line: int, row: dict[str, str], finder: SubnetFinder, spans: Spans, targets: frozenset[str] | None
) -> tuple[dict[str, Any] | None, list[RowProblem]]:
    problems: list[RowProblem] = []
    try:
        address = parse_address(row.get("address", ""))
    except RequestError as exc:
        return None, [RowProblem(line, "address", str(exc))]
    subnet_id = finder.find(address)
    if subnet_id is None:
        return None, [RowProblem(line, "address", f"no registered subnet contains {address}")]
    network = finder.networks[subnet_id]
    named = row.get("subnet", "")
    if named and named != str(network):
        problems.append(RowProblem(line, "subnet", f"{address} belongs to {network}, not {named}"))
    reason = reserved_reason(network, int(address))
    if reason is not None:
        problems.append(RowProblem(line, "address", f"{address} {reason} of {network}"))
    status = row.get("status", "") or "allocated"
    if status not in STATUSES:
        problems.append(RowProblem(line, "status", f"{status!r} is not one of {', '.join(STATUSES)}"))
    mac: str | None = row.get("mac", "") or None
    if mac is not None:
        try:
            mac = normalize_mac(mac)
        except RequestError as exc:
            problems.append(RowProblem(line, "mac", str(exc)))
    hostname = row.get("hostname", "") or None
    if hostname is not None and not _HOSTNAME.match(hostname):
        problems.append(RowProblem(line, "hostname", f"{hostname!r} is not a valid hostname"))
    for column, limit in _LIMITS.items():
        if len(row.get(column, "")) > limit:
            problems.append(RowProblem(line, column, f"longer than {limit} characters"))
    target = row.get("target", "") or None
    if target is not None and targets is not None and target not in targets:
        problems.append(RowProblem(line, "target", f"no monitoring target named {target!r}"))
    range_name = row.get("range", "") or None
    if range_name is not None:
        span = spans.get((subnet_id, range_name))
        if span is None:
            problems.append(RowProblem(line, "range", f"{network} has no range named {range_name!r}"))
        elif not span[0] <= int(address) <= span[1]:
            problems.append(RowProblem(line, "range", f"{address} is outside range {range_name!r}"))
    given = {
        "status": status,
        "hostname": hostname,
        "mac": mac,
        "description": row.get("description", ""),
        "owner": row.get("owner") or None,
        "target": row.get("target") or None,
        "range_name": range_name,
    }
    values = {
        "subnet_id": subnet_id,
        "address": str(address),
        "sort_key": sort_key(int(address), address.version),
    }
    # Only the cells the row has: an absent column leaves the field as it is.
    values.update(
        {name: value for name, value in given.items() if ("range" if name == "range_name" else name) in row}
    )
    if not row.get("status"):
        values.pop("status", None)  # a status cannot be cleared; a new address gets the default
    return (None if problems else values), problems


async def plan_import(
    conn: AsyncConnection, text: str, line_offset: int = 0, targets: frozenset[str] | None = None
) -> ImportPlan:
    """Check every row against the register as ``conn`` sees it (and ``targets``, when given)."""
    parsed, problems = read_rows(text, line_offset)
    plan = ImportPlan(rows=len(parsed), problems=problems)
    finder = SubnetFinder(
        [(r.id, r.cidr) for r in (await conn.execute(sa.select(subnets.c.id, subnets.c.cidr))).all()]
    )
    spans = {
        (r.subnet_id, r.name): (int(IPAddress(r.first)), int(IPAddress(r.last)))
        for r in (await conn.execute(sa.select(ranges))).all()
    }
    seen: dict[str, int] = {}
    good: list[tuple[int, dict[str, Any]]] = []
    for line, row in parsed:
        values, row_problems = _check_row(line, row, finder, spans, targets)
        if values is not None and values["address"] in seen:
            row_problems.append(
                RowProblem(line, "address", f"{values['address']} is also on line {seen[values['address']]}")
            )
            values = None
        plan.problems.extend(row_problems)
        if values is not None:
            seen[values["address"]] = line
            good.append((line, values))
    existing: dict[str, dict[str, Any]] = {}
    keys = [v["address"] for _line, v in good]
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for r in (await conn.execute(sa.select(addresses).where(addresses.c.address.in_(chunk)))).mappings():
            existing[r["address"]] = dict(r)
    for line, values in good:
        old = existing.get(values["address"])
        if old is None:
            plan.creates.append({**DEFAULTS, **values})
            continue
        new = {**{name: old[name] for name in DEFAULTS}, **values}
        if any(old[name] != new[name] for name in (*ADDRESS_FIELDS, "subnet_id")):
            plan.updates.append((old, new))
            plan.changes.extend(field_changes(line, old, new))
        else:
            plan.unchanged += 1
    return plan


def export_lines(rows: list[dict[str, Any]], header: bool = True) -> Iterator[str]:
    """CSV text (header first unless told otherwise); rows are address dicts as the API returns them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row["address"],
                row["subnet"],
                row["status"],
                row["hostname"] or "",
                row["mac"] or "",
                row["description"] or "",
                row["owner"] or "",
                row["target"] or "",
                row["range"] or "",
            ]
        )
        if buffer.tell() > 65536:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
