"""The embedded SQLite sink: the default when no InfluxDB is configured.

Writes go to the store's writer thread; an hourly task drops day tables older
than ``storage.embedded.retention``. The store itself (``store``) is what
``GET /api/v1/series`` reads; the daemon hands it to the HTTP application.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

from monitord.config.storage import EmbeddedStoreConfig
from monitord.results import ProbeResult
from monitord.tsdb.store import SeriesStore

log = logging.getLogger("monitord.sinks.embedded")

PRUNE_EVERY_S = 3600.0


class EmbeddedSink:
    """Feeds the embedded series store and prunes it."""

    name = "embedded"

    def __init__(self, config: EmbeddedStoreConfig, state_dir: Path) -> None:
        self.store = SeriesStore(state_dir / "series.db", config.retention)
        self.batch_size = config.batch_size
        self.linger = config.flush_interval
        self._pruner: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.store.open()
        self._pruner = asyncio.create_task(self._prune_forever(), name="embedded-prune")

    async def write(self, batch: Sequence[ProbeResult]) -> None:
        await self.store.write(batch)

    async def stop(self) -> None:
        try:
            if self._pruner is not None:
                self._pruner.cancel()
                await asyncio.wait([self._pruner])
        finally:
            await self.store.close()

    async def _prune_forever(self) -> None:
        while True:
            try:
                dropped = await self.store.prune()
            except Exception:
                log.exception("retention pruning failed; trying again in an hour")
            else:
                if dropped:
                    log.info("retention: dropped %s", ", ".join(dropped))
            await asyncio.sleep(PRUNE_EVERY_S)
