"""Which components answer the workload and register sections (see ``providers``).

A provider is a factory over the state store; the first listed one answers. The
repair desk (``monitord.repairs``) provides the workload, the equipment register
(``monitord.assets``) the register section.
"""

from __future__ import annotations

from collections.abc import Callable

from monitord.reports.asset_register import AssetRegister
from monitord.reports.providers import RegisterSource, WorkloadSource
from monitord.reports.repair_workload import RepairWorkload
from monitord.store.engine import StateStore

WORKLOAD_PROVIDERS: list[Callable[[StateStore], WorkloadSource]] = [RepairWorkload]
REGISTER_PROVIDERS: list[Callable[[StateStore], RegisterSource]] = [AssetRegister]


def workload_source(store: StateStore) -> WorkloadSource | None:
    return WORKLOAD_PROVIDERS[0](store) if WORKLOAD_PROVIDERS else None


def register_source(store: StateStore) -> RegisterSource | None:
    return REGISTER_PROVIDERS[0](store) if REGISTER_PROVIDERS else None
