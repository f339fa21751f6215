"""The sink contract: a feeder hands each sink batches from its own bus subscription.

``write`` is awaited by that sink's consumer task only, so a slow sink delays
only itself; a sink that can lose its back end (InfluxDB) spools internally and
returns once the batch is durable. ``stop`` flushes: it is called on SIGTERM.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from monitord.results import ProbeResult


class Sink(Protocol):
    """A destination for probe results."""

    name: str
    # How the feeder batches this sink's results: up to ``batch_size`` per write, a
    # partial batch waiting up to ``linger`` seconds for more (each sink's own setting).
    batch_size: int
    linger: float

    async def start(self) -> None:
        """Open connections and files; raise StartupError when that is impossible."""

    async def write(self, batch: Sequence[ProbeResult]) -> None:
        """Accept a batch; return when it is stored or durably spooled."""

    async def stop(self) -> None:
        """Flush everything accepted so far and release resources."""
