"""What the rollup counts, from the configuration: each kind's verdict measurement, each job's gap cap.

The cap on a gap between two runs is ``reports.gap_intervals`` times the job's
probe interval (a POS store's heartbeat interval for ``pos_store``); jobs the
configuration does not list (pushed results) use the same multiple of one minute.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitord.config.loader import LoadedConfig
from monitord.pos.evaluator import MEASUREMENT as POS_MEASUREMENT
from monitord.pos.evaluator import STORE_KIND, TERMINAL_KIND
from monitord.reports.rollup import Key
from probes import REGISTRY

DEFAULT_INTERVAL = 60.0


@dataclass(frozen=True, slots=True)
class RollupSetup:
    verdicts: dict[str, str]
    caps: dict[Key, float]
    default_cap: float


def verdict_measurements() -> dict[str, str]:
    """kind -> the measurement of its one result per run."""
    verdicts = {name: kind.measurement for name, kind in REGISTRY.items()}
    verdicts[STORE_KIND] = POS_MEASUREMENT
    verdicts[TERMINAL_KIND] = POS_MEASUREMENT
    return verdicts


def rollup_setup(loaded: LoadedConfig) -> RollupSetup:
    config = loaded.config
    gaps = config.reports.gap_intervals
    caps: dict[Key, float] = {}
    for resolved in loaded.targets:
        for kind, settings in resolved.probes.items():
            caps[(resolved.target.name, kind)] = gaps * settings.interval
    if config.pos.enabled:
        for name, store in config.pos.stores.items():
            caps[(name, STORE_KIND)] = gaps * (store.interval or config.pos.interval)
    return RollupSetup(verdict_measurements(), caps, gaps * DEFAULT_INTERVAL)
