"""Starting and stopping server processes for tests, bounded in time."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol, TypeVar

import pytest


def free_port(host: str = "127.0.0.1", kind: int = socket.SOCK_STREAM) -> int:
    """A port the kernel just handed out on ``host`` (TCP by default, or UDP)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, kind) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def need_binary(path_or_name: str, package: str) -> str:
    """The binary's path, or fail saying which Debian package provides it."""
    found = (
        path_or_name
        if os.path.isabs(path_or_name) and os.path.exists(path_or_name)
        else (shutil.which(path_or_name))
    )
    if not found:
        pytest.fail(f"{path_or_name} not found: install the Debian package {package} (make test does this)")
    return found


def wait_until(
    check: Callable[[], bool],
    timeout: float,
    what: str,
    process: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
) -> None:
    """Poll ``check`` until it is true; fail with the server's log after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.05)
    tail = ""
    if log is not None and log.exists():
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
    pytest.fail(f"{what} did not come up within {timeout}s\n{tail}")


def tcp_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def stop(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL after ``timeout``."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


class Server(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


ServerT = TypeVar("ServerT", bound=Server)


@contextlib.contextmanager
def started(server: ServerT, remove: Path | None = None) -> Iterator[ServerT]:
    """Start ``server`` and hand it out; stop it (and delete ``remove``) whatever happens."""
    server.start()
    try:
        yield server
    finally:
        server.stop()
        if remove is not None:
            shutil.rmtree(remove, ignore_errors=True)
