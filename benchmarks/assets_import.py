"""CSV import of the equipment register vs the IPAM importer it borrows its rules from.

Both sides import 5,000 new rows into a fresh SQLite state store (the write transaction,
every row checked, one audit entry per row), then dry-run a file changing one field of
every row (the plan a person reads before importing). monitord's asset rows are the
fuller ones: each is validated by the API's pydantic model, its site and target checked
against the configuration, and its linked address checked against the IP register (the
5,000 addresses are registered before the timer). The peer is ``monitord ipam import`` of
5,000 addresses in one subnet: same reading (``read_rows``), same plan, same transaction.
Stores are built and dropped outside the timer; rounds are interleaved.
Goal: 5,000 assets in under 10 s (the department's whole register in one file).

    .venv/bin/python -m benchmarks.assets_import [--quick]
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.harness import Figure, ainterleave, parser, report
from monitord.assets.links import Links
from monitord.assets.sheet import import_assets
from monitord.ipam.addressing import parse_cidr
from monitord.ipam.allocator import Allocator
from monitord.ipam.importer import import_csv
from monitord.ipam.subnets import NewSubnet, create_subnet
from monitord.store.engine import StateStore

ROWS = 5000
SUBNET = "10.64.0.0/16"
LINKS = Links(frozenset({"head-office"}), frozenset({"core-switch"}), frozenset())


def address(index: int) -> str:
    return f"10.64.{index // 250}.{index % 250 + 1}"


def ipam_csv(description: str) -> str:
    lines = ["address,status,hostname,description"]
    lines += [f"{address(i)},allocated,host-{i},{description}" for i in range(ROWS)]
    return "\n".join(lines) + "\n"


def assets_csv(notes: str) -> str:
    lines = ["tag,kind,site,vendor,model,serial,warranty_end,target,addresses,notes"]
    lines += [
        f"PC-{i:05d},pc,head-office,Dell,OptiPlex 7010,SN{i:07d},2027-03-31,core-switch,{address(i)},{notes}"
        for i in range(ROWS)
    ]
    return "\n".join(lines) + "\n"


class Fresh:
    """A new SQLite state store with the subnet registered (and, for assets, its addresses)."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="monitord-bench-assets-"))
        self.store: StateStore | None = None

    async def __aenter__(self) -> StateStore:
        self.store = await StateStore.open(None, self.folder)
        await create_subnet(self.store.engine, NewSubnet(parse_cidr(SUBNET), None, None, None, ""), "bench")
        return self.store

    async def __aexit__(self, *_exc: object) -> None:
        if self.store is not None:
            await self.store.close()
        shutil.rmtree(self.folder, ignore_errors=True)


async def main() -> None:
    quick = parser(__doc__).parse_args().quick
    rounds = 3 if quick else 7
    plans: dict[str, list[float]] = {"assets": [], "ipam": []}

    async def assets_side() -> float:
        async with Fresh() as store:
            await import_csv(Allocator(store.engine), ipam_csv("registered"), "bench", dry_run=False)
            began = time.perf_counter()
            report_, _tags = await import_assets(
                store.engine, assets_csv("new"), "bench", LINKS, dry_run=False
            )
            took = time.perf_counter() - began
            assert report_["create"] == ROWS, report_
            began = time.perf_counter()
            plan, _tags = await import_assets(store.engine, assets_csv("moved"), "bench", LINKS, dry_run=True)
            plans["assets"].append(ROWS / (time.perf_counter() - began))
            assert plan["update"] == ROWS, plan["errors"][:3]
        return ROWS / took

    async def ipam_side() -> float:
        async with Fresh() as store:
            allocator = Allocator(store.engine)
            began = time.perf_counter()
            done = await import_csv(allocator, ipam_csv("new"), "bench", dry_run=False)
            took = time.perf_counter() - began
            assert done["create"] == ROWS, done
            began = time.perf_counter()
            plan = await import_csv(allocator, ipam_csv("moved"), "bench", dry_run=True)
            plans["ipam"].append(ROWS / (time.perf_counter() - began))
            assert plan["update"] == ROWS
        return ROWS / took

    samples = await ainterleave({"assets": assets_side, "ipam": ipam_side}, rounds)
    for key in plans:
        plans[key] = plans[key][-rounds:]  # the warm-up round's plan is not a sample
    imported = Figure(
        "assets_import",
        f"Asset CSV import, {ROWS:,} new rows with linked addresses, SQLite",
        "rows/s",
        "higher",
        samples["assets"],
        "IPAM CSV import, same count",
        samples["ipam"],
        goal=f">= {ROWS // 10:,}/s",
    )
    imported.met = imported.ours_median >= ROWS / 10
    planned = Figure(
        "assets_import",
        f"Asset CSV dry run, {ROWS:,} rows each changing one field",
        "rows/s",
        "higher",
        plans["assets"],
        "IPAM CSV dry run, same count",
        plans["ipam"],
    )
    report(f"{ROWS:,}-row CSV imports into fresh SQLite state stores", [imported, planned], rounds)


if __name__ == "__main__":
    asyncio.run(main())
