"""Sections other components fill: technician workload and the equipment register.

The repair desk (work logs) and the register are their own components; a
report asks them through these small protocols, so reports work (with an
explanatory note) before those components are installed. A provider is a
factory over the state store, listed in ``WORKLOAD_PROVIDERS`` /
``REGISTER_PROVIDERS``; the first listed one answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from monitord.store.engine import StateStore


@dataclass(frozen=True, slots=True)
class WorkloadRow:
    technician: str
    tickets: int  # tickets assigned to them that were worked on in the period
    minutes: float  # time logged in the period


@dataclass(frozen=True, slots=True)
class AssetCount:
    status: str
    assets: int


@dataclass(frozen=True, slots=True)
class WarrantyEnding:
    asset_tag: str
    kind: str
    site: str
    model: str
    warranty_end: str  # ISO date


@dataclass(frozen=True, slots=True)
class RegisterSummary:
    by_status: list[AssetCount]
    warranties: list[WarrantyEnding]


class WorkloadSource(Protocol):
    async def workload(self, start: float, end: float) -> list[WorkloadRow]:
        """Per technician: tickets worked on and minutes logged within [start, end)."""
        ...


class RegisterSource(Protocol):
    async def register(self, now: float, within_days: int) -> RegisterSummary:
        """Assets by status, and warranties ending within ``within_days`` of ``now``."""
        ...


WORKLOAD_PROVIDERS: list[Callable[[StateStore], WorkloadSource]] = []
REGISTER_PROVIDERS: list[Callable[[StateStore], RegisterSource]] = []


def workload_source(store: StateStore) -> WorkloadSource | None:
    return WORKLOAD_PROVIDERS[0](store) if WORKLOAD_PROVIDERS else None


def register_source(store: StateStore) -> RegisterSource | None:
    return REGISTER_PROVIDERS[0](store) if REGISTER_PROVIDERS else None
