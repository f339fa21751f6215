"""The register's read and write API: what routes, the CLI, discovery and reports call.

``AssetRepo`` is the one way in. Reads (``list``, ``get``, ``counts_by_status``,
``warranties_ending``, ``history``) are what the management reports use; writes
check links (site, target, POS terminal: ``links``; IPAM addresses: ``writes``)
and record who changed what in the audit log, in the change's own transaction
(the IPAM write transaction: ``BEGIN IMMEDIATE`` on SQLite, a bounded lock wait
on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from monitord.assets import writes
from monitord.assets.links import Links
from monitord.assets.records import AUDIT_TYPE, asset_json, changes, fact_json, snapshot
from monitord.assets.tables import STATUSES, asset_addresses, asset_discovery, asset_facts, assets
from monitord.errors import ConflictError, NotFoundError, RequestError
from monitord.ipam import audit
from monitord.ipam.records import iso
from monitord.ipam.transactions import now, write_transaction


@dataclass(frozen=True, slots=True)
class AssetFilter:
    """``list`` filters; ``warranty_before`` is exclusive (warranty ends before that day)."""

    site: str | None = None
    kind: str | None = None
    status: str | None = None
    warranty_before: dt.date | None = None
    q: str | None = None
    target: str | None = None
    limit: int = 500
    offset: int = 0


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(statement: Any, f: AssetFilter) -> Any:
    if f.site is not None:
        statement = statement.where(assets.c.site == f.site)
    if f.kind is not None:
        statement = statement.where(assets.c.kind == f.kind)
    if f.status is not None:
        statement = statement.where(assets.c.status == f.status)
    if f.target is not None:
        statement = statement.where(assets.c.target == f.target)
    if f.warranty_before is not None:
        statement = statement.where(assets.c.warranty_end < f.warranty_before)
    if f.q:
        pattern = _like(f.q)
        statement = statement.where(
            sa.or_(
                *(
                    sa.func.lower(column).like(pattern, escape="\\")
                    for column in (
                        assets.c.tag,
                        assets.c.serial,
                        assets.c.model,
                        assets.c.vendor,
                        assets.c.owner,
                        assets.c.target,
                    )
                )
            )
        )
    return statement


Items = list[dict[str, Any]]  # (a name of its own: ``list`` is also a method of the repo)


class AssetRepo:
    """The equipment register in the state store."""

    def __init__(self, engine: AsyncEngine, clock: Callable[[], dt.datetime] = now) -> None:
        self.engine = engine
        self._now = clock

    # -- reads ------------------------------------------------------------------------------

    async def list(self, f: AssetFilter | None = None) -> tuple[Items, int]:
        """One page of assets in tag order, and how many match in all."""
        f = f or AssetFilter()
        async with self.engine.connect() as conn:
            total = (
                await conn.execute(_where(sa.select(sa.func.count()).select_from(assets), f))
            ).scalar_one()
            rows = (
                (
                    await conn.execute(
                        _where(sa.select(assets), f).order_by(assets.c.tag).limit(f.limit).offset(f.offset)
                    )
                )
                .mappings()
                .all()
            )
            linked = await writes.addresses_of(conn, [r["id"] for r in rows])
        return [asset_json(r, linked[r["id"]]) for r in rows], int(total)

    async def get(self, tag: str) -> dict[str, Any]:
        """One asset with its discovered facts and the outcome of its last discovery."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(assets).where(assets.c.tag == tag))).mappings().first()
            if row is None:
                raise NotFoundError(f"no asset tagged {tag!r}", field="tag")
            linked = await writes.addresses_of(conn, [row["id"]])
            facts = (
                (await conn.execute(sa.select(asset_facts).where(asset_facts.c.asset_id == row["id"])))
                .mappings()
                .all()
            )
            run = (
                (
                    await conn.execute(
                        sa.select(asset_discovery).where(asset_discovery.c.asset_id == row["id"])
                    )
                )
                .mappings()
                .first()
            )
        out = asset_json(row, linked[row["id"]])
        out["facts"] = {f["name"]: fact_json(f) for f in sorted(facts, key=lambda f: f["name"])}
        out["discovery"] = (
            {
                "target": run["target"],
                "attempted_at": iso(run["attempted_at"]),
                "succeeded_at": iso(run["succeeded_at"]),
                "error": run["error"],
            }
            if run is not None
            else None
        )
        return out

    async def counts_by_status(self, site: str | None = None) -> dict[str, int]:
        """Every status with its count (zero included), optionally for one site."""
        statement = sa.select(assets.c.status, sa.func.count()).group_by(assets.c.status)
        if site is not None:
            statement = statement.where(assets.c.site == site)
        async with self.engine.connect() as conn:
            found = {status: int(count) for status, count in (await conn.execute(statement)).all()}
        return {status: found.get(status, 0) for status in STATUSES}

    async def warranties_ending(
        self, before: dt.date, *, after: dt.date | None = None, site: str | None = None
    ) -> Items:
        """Assets not retired whose warranty ends before ``before`` (and on or after ``after``),
        soonest first."""
        statement = sa.select(assets).where(
            assets.c.warranty_end.is_not(None), assets.c.warranty_end < before, assets.c.status != "retired"
        )
        if after is not None:
            statement = statement.where(assets.c.warranty_end >= after)
        if site is not None:
            statement = statement.where(assets.c.site == site)
        async with self.engine.connect() as conn:
            rows = (
                (await conn.execute(statement.order_by(assets.c.warranty_end, assets.c.tag))).mappings().all()
            )
            linked = await writes.addresses_of(conn, [r["id"] for r in rows])
        return [asset_json(r, linked[r["id"]]) for r in rows]

    async def history(self, tag: str, limit: int = 100, before_id: int | None = None) -> Items:
        """Every change of the asset, newest first, each with its field-by-field changes."""
        entries = await audit.query(
            self.engine, object_key=tag, object_type=AUDIT_TYPE, limit=limit, before_id=before_id
        )
        for entry in entries:
            entry["changes"] = changes(entry["before"], entry["after"])
        return entries

    # -- writes -----------------------------------------------------------------------------

    async def create(self, values: Mapping[str, Any], actor: str, links: Links) -> dict[str, Any]:
        _refuse(links.problems(values))
        async with write_transaction(self.engine) as conn:
            exists = (await conn.execute(sa.select(assets.c.id).where(assets.c.tag == values["tag"]))).first()
            if exists is not None:
                raise ConflictError(f"an asset tagged {values['tag']!r} exists already", field="tag")
            _refuse(await writes.address_problems(conn, list(values.get("addresses") or []), None))
            await writes.insert(conn, values, actor, "create", self._now())
        return await self.get(str(values["tag"]))

    async def update(
        self, tag: str, change: Mapping[str, Any], actor: str, links: Links
    ) -> tuple[dict[str, Any], Items]:
        """Apply ``change`` (only the fields given); the asset after, and what changed."""
        _refuse(links.problems(change))
        async with write_transaction(self.engine) as conn:
            old = (await conn.execute(sa.select(assets).where(assets.c.tag == tag))).mappings().first()
            if old is None:
                raise NotFoundError(f"no asset tagged {tag!r}", field="tag")
            old_addresses = (await writes.addresses_of(conn, [old["id"]]))[old["id"]]
            new: dict[str, Any] = {**dict(old), "addresses": old_addresses}
            for name, value in change.items():
                if value is None and name in ("kind", "site", "status"):
                    raise RequestError(f"{name} cannot be cleared", field=name, status=422)
                new[name] = ([] if value is None else value) if name == "addresses" else value
            if new.get("notes") is None:
                new["notes"] = ""
            _refuse(await writes.address_problems(conn, new["addresses"], old["id"]))
            diff = changes(snapshot(old, old_addresses), snapshot(new, new["addresses"]))
            if diff:
                await writes.update(
                    conn, old, old_addresses, new, actor=actor, action="update", stamp=self._now()
                )
        return await self.get(tag), diff

    async def delete(self, tag: str, actor: str) -> dict[str, Any]:
        """Remove an asset (its facts and links go with it); the audit log keeps its last state."""
        async with write_transaction(self.engine) as conn:
            old = (await conn.execute(sa.select(assets).where(assets.c.tag == tag))).mappings().first()
            if old is None:
                raise NotFoundError(f"no asset tagged {tag!r}", field="tag")
            linked = (await writes.addresses_of(conn, [old["id"]]))[old["id"]]
            for table in (asset_facts, asset_discovery, asset_addresses):
                await conn.execute(table.delete().where(table.c.asset_id == old["id"]))
            await conn.execute(assets.delete().where(assets.c.id == old["id"]))
            before = snapshot(old, linked)
            await audit.record(conn, [audit.entry(actor, "delete", AUDIT_TYPE, tag, (before, None))])
        return asset_json(old, linked)


def _refuse(problems: list[tuple[str, str]]) -> None:
    if problems:
        field, message = problems[0]
        raise RequestError(message, field=field, status=422)
