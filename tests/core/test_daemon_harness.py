"""The test harness itself: a daemon that cannot start fails the test with its own error.

The alert harness used to wait 30 s for a start that had already failed and then
report a ``TimeoutError``, with the real cause only in its context."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitord.errors import StartupError
from tests.alerts.harness import config_doc, running
from tests.daemon_harness import base_config, running_daemon


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port something else already listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


async def test_a_start_up_error_surfaces_as_itself(tmp_path: Path, busy_port: int) -> None:
    document = base_config(tmp_path / "state")
    document["http"]["listen"] = f"127.0.0.1:{busy_port}"
    with pytest.raises(StartupError, match="Address already in use") as raised:
        async with running_daemon(document):
            pytest.fail("the daemon started on a port that is in use")
    assert not isinstance(raised.value.__context__, TimeoutError)


async def test_the_alert_harness_surfaces_a_start_up_error_as_itself(tmp_path: Path, busy_port: int) -> None:
    document = config_doc(tmp_path, [], "json://127.0.0.1:9/unused")
    document["http"]["listen"] = f"127.0.0.1:{busy_port}"
    with pytest.raises(StartupError, match="Address already in use") as raised:
        async with running(document):
            pytest.fail("the daemon started on a port that is in use")
    assert not isinstance(raised.value.__context__, TimeoutError)
