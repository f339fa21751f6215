"""Sections other components fill: technician workload and the equipment register.

The repair desk (work logs) and the register are their own components; a
report asks them through these small protocols, so reports work (with an
explanatory note) before those components are installed. ``sources`` lists
the installed providers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class WorkloadRow:
    technician: str
    tickets: int  # tickets assigned to them that were worked on in the period
    minutes: float  # time logged in the period


@dataclass(frozen=True, slots=True)
class CategoryCount:
    category: str
    priority: str
    requests: int  # repair requests opened in the period


@dataclass(frozen=True, slots=True)
class WorkloadSummary:
    technicians: list[WorkloadRow]
    requests: list[CategoryCount]


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
    async def workload(self, start: float, end: float) -> WorkloadSummary:
        """Per technician: tickets worked on and minutes logged within [start, end); and the
        repair requests opened then, per category and priority."""
        ...


class RegisterSource(Protocol):
    async def register(self, now: float, within_days: int) -> RegisterSummary:
        """Assets by status, and warranties ending within ``within_days`` of ``now``."""
        ...
