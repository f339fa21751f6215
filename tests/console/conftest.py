"""Fixtures for the console's browser tests: a daemon with accounts and a chromium."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser

from tests.console.browser import chromium
from tests.console.harness import Console, console
from tests.servers.receiver import Receiver, receiver  # noqa: F401  (fixture)


@pytest.fixture
async def site(tmp_path: Path, receiver: Receiver) -> AsyncIterator[Console]:  # noqa: F811
    async with console(tmp_path, receiver) as running:
        yield running


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched
