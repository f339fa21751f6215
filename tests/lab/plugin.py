"""pytest plugin: the ``lab`` fixture (a private network namespace, see ``tests.lab.netns``)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.lab.netns import Lab, remove_stale_labs

_swept = False


@pytest.fixture
def lab() -> Iterator[Lab]:
    """A fresh namespace with ``lo`` up and no rules; deleted (with its rules) afterwards."""
    global _swept  # once per test session
    if os.geteuid() != 0:
        pytest.skip("needs root: network namespaces and nftables")
    if not _swept:
        remove_stale_labs()
        _swept = True
    instance = Lab()
    try:
        yield instance
    finally:
        instance.close()
