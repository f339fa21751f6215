"""A real PostgreSQL server (Debian ``postgresql``) in a temporary directory.

PostgreSQL refuses to run as root, so the cluster belongs to the ``postgres``
user the package creates. Each test gets its own database, dropped afterwards.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.servers.processes import free_port, tcp_open, wait_until


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail("PostgreSQL not found: install the Debian package postgresql (make test does this)")
    return Path(found[-1]).parent


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """``host:port`` of a PostgreSQL server trusting local connections as ``postgres``."""
    if os.geteuid() != 0:
        pytest.skip("needs root: the cluster is run as the postgres user")
    bindir = _bindir()
    root = Path(tempfile.mkdtemp(prefix="monitord-pg-"))
    shutil.chown(root, "postgres", "postgres")
    data = root / "data"
    port = free_port()
    run_as = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [
            *run_as,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    log = root / "server.log"
    options = f"-h 127.0.0.1 -p {port} -k {root} -F -c max_connections=300 -c fsync=off"
    subprocess.run(
        [
            *run_as,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(log),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        ],
        check=True,
        capture_output=True,
        timeout=90,
    )
    try:
        wait_until(lambda: tcp_open("127.0.0.1", port), 30, "PostgreSQL", log=log)
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
async def postgres_url(postgres_server: str) -> AsyncIterator[str]:
    """A fresh, empty database for one test, as a SQLAlchemy asyncpg URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    host, port = postgres_server.split(":")
    admin = await asyncpg.connect(host=host, port=int(port), user="postgres", database="postgres", timeout=10)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield f"postgresql+asyncpg://postgres@{postgres_server}/{name}"
    admin = await asyncpg.connect(host=host, port=int(port), user="postgres", database="postgres", timeout=10)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Both state-store back ends: a SQLite file, and a real PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'state.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url
