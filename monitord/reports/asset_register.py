"""The register section from the equipment register (``monitord.assets``).

Assets by status (every status, zero included) and the warranties of assets
not retired that end from the report's day up to ``reports.warranty_days``
ahead, soonest first: the register's own read functions, so the report and
the register's API agree.
"""

from __future__ import annotations

import datetime as dt

from monitord.assets.repo import AssetRepo
from monitord.reports.providers import AssetCount, RegisterSummary, WarrantyEnding
from monitord.store.engine import StateStore


class AssetRegister:
    def __init__(self, store: StateStore) -> None:
        self.repo = AssetRepo(store.engine)

    async def register(self, now: float, within_days: int) -> RegisterSummary:
        counts = await self.repo.counts_by_status()
        today = dt.datetime.fromtimestamp(now, dt.UTC).date()
        ending = await self.repo.warranties_ending(today + dt.timedelta(days=within_days + 1), after=today)
        return RegisterSummary(
            [AssetCount(status, count) for status, count in counts.items()],
            [
                WarrantyEnding(
                    asset_tag=str(asset["tag"]),
                    kind=str(asset["kind"]),
                    site=str(asset["site"]),
                    model=str(asset.get("model") or ""),
                    warranty_end=str(asset["warranty_end"]),
                )
                for asset in ending
            ],
        )
