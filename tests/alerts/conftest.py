from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from tests.alerts.harness import Listener


@pytest.fixture
async def listeners() -> AsyncIterator[Callable[[], Listener]]:
    """Make loopback TCP listeners (targets) that are all closed after the test."""
    made: list[Listener] = []

    def make() -> Listener:
        listener = Listener()
        made.append(listener)
        return listener

    yield make
    for listener in made:
        await listener.close()
