"""The register as CSV: export, and import with a plan, by the IPAM importer's rules.

The reading (``read_rows``: line numbers, unknown columns, short rows) and the
plan (``ImportPlan``/``RowProblem``) are the IPAM spreadsheet's own. Every row
is checked (the same pydantic models as the API, the configured links, the IP
register) and every bad row is reported with its line number; nothing is
written unless every row is good, and a dry run stops after the plan. The plan
of a real import is made again inside the write transaction.

An absent column (or a row too short to reach it) never erases a field: only an
explicit empty cell clears one, and the plan lists every change field by field
(``serial: FOC1234 -> (empty)``). ``kind``, ``site`` and ``status`` cannot be
cleared: an empty cell keeps the current value (a new asset needs kind and
site; its status defaults to ``in-use``). ``addresses`` holds the linked IPAM
addresses separated by spaces or semicolons.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from monitord.assets import writes
from monitord.assets.bodies import TAG, TAG_RULE, AssetBody, AssetPatch
from monitord.assets.links import Links
from monitord.assets.records import FIELDS, changes, day, snapshot
from monitord.assets.tables import assets
from monitord.config.resolve import validation_problems
from monitord.errors import RequestError
from monitord.ipam.spreadsheet import ImportPlan, RowProblem, read_rows
from monitord.ipam.transactions import now, write_transaction

_TAG = re.compile(TAG)
_KEPT_WHEN_EMPTY = ("kind", "site", "status")


class AssetsRejected(RequestError):
    """Some rows are bad; ``report`` lists each with its line number. Nothing was written."""

    def __init__(self, report: dict[str, Any]) -> None:
        super().__init__(f"{len(report['errors'])} bad rows; nothing was imported", field="csv", status=422)
        self.report = report


def _cells(row: dict[str, str]) -> dict[str, Any]:
    """The row's cells as model input: empty clears, except where it keeps (see the module)."""
    given: dict[str, Any] = {}
    for name, cell in row.items():
        if name == "tag" or (name in _KEPT_WHEN_EMPTY and cell == ""):
            continue
        if name == "addresses":
            given[name] = cell.replace(";", " ").split()
        elif name == "notes":
            given[name] = cell
        else:
            given[name] = cell or None
    return given


def _validated(
    tag: str, given: dict[str, Any], new: bool
) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    if new:
        missing = [(n, f"a new asset needs {n}") for n in ("kind", "site") if n not in given]
        if missing:
            return None, missing
        try:
            return AssetBody.model_validate({"tag": tag, **given}).model_dump(), []
        except ValidationError as exc:
            return None, validation_problems(exc)
    try:
        return AssetPatch.model_validate(given).model_dump(exclude_unset=True), []
    except ValidationError as exc:
        return None, validation_problems(exc)


async def _existing(conn: AsyncConnection, tags: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(tags), 500):
        rows = (
            await conn.execute(sa.select(assets).where(assets.c.tag.in_(tags[start : start + 500])))
        ).mappings()
        for mapping in rows:
            found[mapping["tag"]] = dict(mapping)
    linked = await writes.addresses_of(conn, [item["id"] for item in found.values()])
    for item in found.values():
        item["addresses"] = linked[item["id"]]
    return found


async def plan_assets(conn: AsyncConnection, text: str, links: Links, line_offset: int = 0) -> ImportPlan:
    """Check every row against the register as ``conn`` sees it and against ``links``."""
    parsed, problems = read_rows(text, line_offset, FIELDS, ("tag",))
    plan = ImportPlan(rows=len(parsed), problems=problems)
    existing = await _existing(conn, [row.get("tag", "") for _line, row in parsed])
    cells = [(line, row, _cells(row)) for line, row in parsed]
    lookup = await writes.look_up(conn, [a for _l, _r, given in cells for a in given.get("addresses") or []])
    seen: dict[str, int] = {}
    claimed: dict[str, int] = {}
    for line, row, given in cells:
        tag = row.get("tag", "")
        if not _TAG.match(tag):
            plan.problems.append(RowProblem(line, "tag", f"{tag!r}: {TAG_RULE}"))
            continue
        if tag in seen:
            plan.problems.append(RowProblem(line, "tag", f"{tag} is also on line {seen[tag]}"))
            continue
        seen[tag] = line
        old = existing.get(tag)
        values, found = _validated(tag, given, old is None)
        if values is not None:
            found += links.problems(values)
            wanted = values.get("addresses") or []
            found += lookup.problems(wanted, old["id"] if old else None)
            for address in wanted:
                if address in claimed:
                    found.append(("addresses", f"{address} is also linked on line {claimed[address]}"))
                claimed.setdefault(address, line)
        if found:
            plan.problems.extend(RowProblem(line, field or None, message) for field, message in found)
            continue
        assert values is not None
        if old is None:
            plan.creates.append({**writes.DEFAULTS, **values})
            continue
        new = {**old, **{k: ([] if k == "addresses" and v is None else v) for k, v in values.items()}}
        if new.get("notes") is None:
            new["notes"] = ""
        diff = changes(snapshot(old, old["addresses"]), snapshot(new, new["addresses"]))
        if not diff:
            plan.unchanged += 1
            continue
        plan.updates.append((old, new))
        plan.changes.extend({"line": line, "tag": tag, **change} for change in diff)
    return plan


async def import_assets(
    engine: AsyncEngine,
    text: str,
    actor: str,
    links: Links,
    *,
    dry_run: bool,
    line_offset: int = 0,
    clock: Callable[[], dt.datetime] = now,
) -> tuple[dict[str, Any], list[str]]:
    """The plan (dry run) or the plan applied in one transaction, and the tags written;
    ``AssetsRejected`` on any bad row."""
    if dry_run:
        async with engine.connect() as conn:
            plan = await plan_assets(conn, text, links, line_offset)
        return {"dry_run": True, **plan.summary()}, []
    async with write_transaction(engine) as conn:
        plan = await plan_assets(conn, text, links, line_offset)
        if plan.problems:
            raise AssetsRejected({"dry_run": False, **plan.summary()})
        stamp = clock()
        await writes.insert_many(conn, plan.creates, actor, "import", stamp)
        for old, new in plan.updates:
            await writes.update(conn, old, old["addresses"], new, actor=actor, action="import", stamp=stamp)
    tags = [v["tag"] for v in plan.creates] + [old["tag"] for old, _new in plan.updates]
    return {"dry_run": False, **plan.summary()}, tags


def _cell(item: dict[str, Any], name: str) -> str:
    value = item[name]
    if name == "addresses":
        return " ".join(value)
    if isinstance(value, dt.date):
        return day(value) or ""
    return "" if value is None else str(value)


def export_lines(items: list[dict[str, Any]], header: bool = True) -> Iterator[str]:
    """CSV text (header first unless told otherwise); items are assets as the API returns them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(FIELDS)
    for item in items:
        writer.writerow([_cell(item, name) for name in FIELDS])
        if buffer.tell() > 65536:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
