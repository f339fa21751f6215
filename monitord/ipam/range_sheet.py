"""Named ranges as CSV (``subnet,name,kind,first,last,description``): how the department's
spreadsheet marks its DHCP pools, so reconciliation does not report their clients as conflicts.

Planned like the address import (``spreadsheet``): every row is checked, every bad row is
reported with its line number, nothing is written unless every row is good. A range that exists
(same subnet and name) is updated, kind and description only, and only from the cells the file
has: an absent column, or a short row, leaves the field as it is; an empty ``kind`` keeps the
current kind (a new range gets ``pool``). Bounds never move: a ``first``/``last`` other than the
stored one is a bad row (delete the range and import it again). Every change is listed in the
plan, field by field, and audited.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from netaddr import AddrFormatError, IPAddress, IPNetwork
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from monitord.errors import RequestError
from monitord.ipam import audit
from monitord.ipam.records import range_json
from monitord.ipam.spreadsheet import ImportPlan, RowProblem, read_rows
from monitord.ipam.subnets import check_range
from monitord.ipam.tables import RANGE_KINDS, ranges, subnets
from monitord.ipam.transactions import now, write_transaction

RANGE_COLUMNS = ("subnet", "name", "kind", "first", "last", "description")
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class RangesRejected(RequestError):
    """Some rows are bad; ``report`` lists each with its line number. Nothing was written."""

    def __init__(self, report: dict[str, Any]) -> None:
        super().__init__(f"{len(report['errors'])} bad rows; nothing was imported", field="csv", status=422)
        self.report = report


def _subnet(text: str, registered: dict[str, tuple[int, IPNetwork]]) -> tuple[int, IPNetwork]:
    try:
        network = IPNetwork(text)
    except (AddrFormatError, ValueError, TypeError):
        raise RequestError(f"{text!r} is not a subnet in CIDR form", field="subnet") from None
    found = registered.get(str(network))
    if found is None:
        raise RequestError(f"subnet {network} is not registered", field="subnet")
    return found


def _update(
    line: int, row: dict[str, str], old: dict[str, Any], network: IPNetwork, plan: ImportPlan
) -> None:
    for bound in ("first", "last"):
        given = row.get(bound, "")
        if given and given != old[bound] and not _same_address(given, old[bound]):
            raise RequestError(
                f"range {old['name']!r} of {network} is {old['first']}-{old['last']}; "
                "bounds never move (delete the range and import it again)",
                field=bound,
            )
    new = dict(old)
    if row.get("kind"):
        new["kind"] = row["kind"]
    if "description" in row:
        new["description"] = row["description"]
    if new == old:
        plan.unchanged += 1
        return
    plan.updates.append((old, new))
    for name in ("kind", "description"):
        if old[name] != new[name]:
            plan.changes.append(
                {
                    "line": line,
                    "range": f"{network}:{old['name']}",
                    "field": name,
                    "before": old[name],
                    "after": new[name],
                    "text": f"{name}: {old[name] or '(empty)'} -> {new[name] or '(empty)'}",
                }
            )


def _same_address(a: str, b: str) -> bool:
    try:
        return bool(IPAddress(a) == IPAddress(b))
    except (AddrFormatError, ValueError):
        return False


async def plan_ranges(conn: AsyncConnection, text: str, line_offset: int = 0) -> ImportPlan:
    """Check every row against the register as ``conn`` sees it."""
    parsed, problems = read_rows(text, line_offset, RANGE_COLUMNS, ("subnet", "name"))
    plan = ImportPlan(rows=len(parsed), problems=problems)
    registered = {
        str(IPNetwork(r.cidr)): (r.id, IPNetwork(r.cidr))
        for r in (await conn.execute(sa.select(subnets.c.id, subnets.c.cidr))).all()
    }
    existing: dict[int, list[dict[str, Any]]] = {}
    for r in (await conn.execute(sa.select(ranges).order_by(ranges.c.id))).mappings():
        existing.setdefault(r["subnet_id"], []).append(dict(r))
    seen: dict[tuple[int, str], int] = {}
    for line, row in parsed:
        try:
            subnet_id, network = _subnet(row.get("subnet", ""), registered)
            name = row.get("name", "")
            if not _NAME.match(name):
                raise RequestError(
                    f"{name!r} is not a range name (letters, digits, . _ -, at most 64)", field="name"
                )
            if row.get("kind") and row["kind"] not in RANGE_KINDS:
                raise RequestError(f"{row['kind']!r} is not one of {', '.join(RANGE_KINDS)}", field="kind")
            if len(row.get("description", "")) > 2000:
                raise RequestError("longer than 2000 characters", field="description")
            if (subnet_id, name) in seen:
                raise RequestError(
                    f"range {name!r} of {network} is also on line {seen[(subnet_id, name)]}", field="name"
                )
            seen[(subnet_id, name)] = line
            siblings = existing.setdefault(subnet_id, [])
            old = next((r for r in siblings if r["name"] == name), None)
            if old is not None:
                _update(line, row, old, network, plan)
                continue
            for bound in ("first", "last"):
                if not row.get(bound):
                    raise RequestError(f"a new range needs {bound}", field=bound)
            first, last = check_range(network, name, row["first"], row["last"], siblings)
        except RequestError as exc:
            plan.problems.append(RowProblem(line, exc.field, str(exc)))
            continue
        values = {
            "subnet_id": subnet_id,
            "name": name,
            "kind": row.get("kind") or "pool",
            "first": str(first),
            "last": str(last),
            "description": row.get("description", ""),
        }
        plan.creates.append(values)
        siblings.append({**values, "id": None})  # later rows must not overlap it either
    return plan


async def import_ranges(
    engine: AsyncEngine, text: str, actor: str, *, dry_run: bool, line_offset: int = 0
) -> dict[str, Any]:
    """The plan (dry run), or the plan applied in one transaction; ``RangesRejected`` on any bad row."""
    if dry_run:
        async with engine.connect() as conn:
            plan = await plan_ranges(conn, text, line_offset)
        return {"dry_run": True, **plan.summary()}
    async with write_transaction(engine) as conn:
        plan = await plan_ranges(conn, text, line_offset)
        if plan.problems:
            raise RangesRejected({"dry_run": False, **plan.summary()})
        cidrs = {r.id: r.cidr for r in (await conn.execute(sa.select(subnets.c.id, subnets.c.cidr))).all()}
        entries = []
        for values in plan.creates:
            inserted = await conn.execute(ranges.insert().values(**values).returning(ranges.c.id))
            key = f"{cidrs[values['subnet_id']]}:{values['name']}"
            entries.append(
                audit.entry(
                    actor, "import", "range", key, (None, range_json({"id": inserted.scalar_one(), **values}))
                )
            )
        for old, new in plan.updates:
            await conn.execute(
                ranges.update()
                .where(ranges.c.id == old["id"])
                .values(kind=new["kind"], description=new["description"])
            )
            key = f"{cidrs[old['subnet_id']]}:{old['name']}"
            entries.append(audit.entry(actor, "import", "range", key, (range_json(old), range_json(new))))
        await audit.record(conn, entries)
        touched = sorted({v["subnet_id"] for v in plan.creates} | {o["subnet_id"] for o, _n in plan.updates})
        if touched:
            # Allocators keep a free index per subnet keyed by its generation; ranges change next-free.
            await conn.execute(
                subnets.update()
                .where(subnets.c.id.in_(touched))
                .values(generation=subnets.c.generation + 1, updated_at=now())
            )
    return {"dry_run": False, **plan.summary()}
