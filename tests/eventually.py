"""The one way tests wait for something: poll a condition until it holds, for a bounded time.

Never a bare ``sleep`` and hope: ``eventually`` returns as soon as ``check``
holds and fails, naming what it waited for and the last value seen, once the
deadline has passed; a slow machine makes a test slower, never flaky.
(``tests.servers.processes.wait_until`` is the blocking twin for fixtures that
start server processes before any event loop runs.)
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

DEFAULT_TIMEOUT = 30.0
POLL_EVERY = 0.05


async def eventually(
    check: Callable[[], Any],
    what: str = "the condition",
    *,
    timeout: float = DEFAULT_TIMEOUT,
    every: float = POLL_EVERY,
) -> Any:
    """Poll ``check`` (a plain function, or one returning an awaitable) until its value is
    truthy, and return that value; ``AssertionError`` after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = check()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if loop.time() >= deadline:
            last = repr(value)
            raise AssertionError(
                f"timed out after {timeout:g}s waiting for {what} "
                f"(last: {last[:200]}{'...' if len(last) > 200 else ''})"
            )
        await asyncio.sleep(every)
