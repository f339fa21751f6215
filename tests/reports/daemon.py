"""A real daemon whose report service reads an injected clock (tests move it past a schedule)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from monitord import services
from monitord.clock import Clock
from monitord.config.loader import build_config
from monitord.daemon import Daemon
from monitord.reports.service import ReportService
from monitord.runtime import Runtime
from tests.daemon_harness import running_daemon


@contextlib.contextmanager
def report_clock(clock: Clock) -> Any:
    factories = services.SERVICE_FACTORIES
    index = factories.index(services.report_service)

    def factory(runtime: Runtime) -> ReportService | None:
        return ReportService(runtime, clock) if runtime.loaded.config.reports.rollup else None

    factories[index] = factory
    try:
        yield
    finally:
        factories[index] = services.report_service


@contextlib.asynccontextmanager
async def running(document: dict[str, Any], clock: Clock | None = None) -> AsyncIterator[Daemon]:
    daemon = Daemon(build_config(document))
    if clock is None:
        async with running_daemon(daemon, stop_timeout=60) as started:
            yield started
        return
    with report_clock(clock):
        async with running_daemon(daemon, stop_timeout=60) as started:
            yield started


def reports_of(daemon: Daemon) -> ReportService:
    service = next(s for s in daemon.services if s.name == "reports")
    assert isinstance(service, ReportService)
    return service
