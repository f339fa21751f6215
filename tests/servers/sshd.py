"""A real OpenSSH ``sshd`` on a free loopback port, with its own host key, config and test user.

sshd runs as root in the foreground (``-D -e -f CONF``) with ``UsePAM no``, so
the account's password field must not start with ``!`` (locked): the test user
gets ``*`` (no password login possible, key login allowed). Key auth only,
MaxStartups/MaxSessions raised for the benchmarks. Files the probes read live
in a world-readable directory, since the test user is not root.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.servers.processes import free_port, need_binary, stop, tcp_open, wait_until

TEST_USER = "monitord-sshtest"


def ensure_test_user() -> str:
    """Create the unprivileged login used by the tests, with password field ``*``."""
    try:
        pwd.getpwnam(TEST_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--home-dir",
                "/tmp",
                "--shell",
                "/bin/sh",
                TEST_USER,
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )
    subprocess.run(["usermod", "-p", "*", TEST_USER], check=True, capture_output=True, timeout=30)
    return TEST_USER


def keygen(path: Path, kind: str = "ed25519", passphrase: str = "") -> str:
    """A new key pair at ``path``; returns the public key line."""
    subprocess.run(
        ["ssh-keygen", "-q", "-t", kind, "-N", passphrase, "-C", "monitord-test", "-f", str(path)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return path.with_suffix(path.suffix + ".pub").read_text().strip()


@dataclass
class SshdServer:
    """A running sshd and what a client needs to use it."""

    root: Path
    port: int
    addresses: tuple[str, ...]
    user: str
    client_key: Path
    host_public_key: str
    known_hosts: Path
    data_dir: Path
    config: Path
    log: Path
    process: subprocess.Popen[bytes] | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return self.addresses[0]

    def start(self) -> None:
        sshd = need_binary("/usr/sbin/sshd", "openssh-server")
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        log = self.log.open("ab")
        self.process = subprocess.Popen(
            [sshd, "-D", "-e", "-f", str(self.config)], stdout=log, stderr=log, stdin=subprocess.DEVNULL
        )
        log.close()
        wait_until(
            lambda: all(tcp_open(a, self.port) for a in self.addresses),
            30,
            "sshd",
            process=self.process,
            log=self.log,
        )

    def stop(self) -> None:
        """Stop the listener and the per-connection processes it forked (they outlive it)."""
        if self.process is not None:
            sessions = self.session_pids()
            stop(self.process)
            self.process = None
            for pid in sessions:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)

    def session_pids(self) -> list[int]:
        """Processes sshd forked for open connections (children of the listener)."""
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def restart(self) -> None:
        self.stop()
        self.start()


def start_sshd(addresses: Sequence[str] = ("127.0.0.1",)) -> SshdServer:
    """Generate keys and config in a fresh directory and start sshd on every address."""
    if os.geteuid() != 0:
        pytest.skip("needs root: sshd runs as root to switch to the test user")
    need_binary("ssh-keygen", "openssh-client")
    user = ensure_test_user()
    root = Path(tempfile.mkdtemp(prefix="monitord-sshd-"))
    root.chmod(0o755)
    data = root / "data"
    data.mkdir(mode=0o755)
    port = free_port(addresses[0])
    host_public = keygen(root / "host_ed25519")
    client_public = keygen(root / "client_ed25519")
    authorized = root / "authorized_keys"
    authorized.write_text(client_public + "\n")
    authorized.chmod(0o644)
    known = root / "known_hosts"
    known.write_text("".join(f"[{a}]:{port} {host_public}\n" for a in addresses))
    listen = "".join(f"ListenAddress {a}:{port}\n" for a in addresses)
    config = root / "sshd_config"
    config.write_text(
        f"{listen}"
        f"HostKey {root / 'host_ed25519'}\n"
        f"PidFile {root / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {authorized}\n"
        f"AllowUsers {user}\n"
        "UsePAM no\n"
        "PubkeyAuthentication yes\n"
        "PasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\n"
        "PermitRootLogin no\n"
        "StrictModes no\n"
        "MaxStartups 1000:30:2000\n"
        "MaxSessions 1000\n"
        "MaxAuthTries 10\n"
        "LoginGraceTime 30\n"
        "LogLevel VERBOSE\n"
        "Subsystem sftp internal-sftp\n"
    )
    server = SshdServer(
        root=root,
        port=port,
        addresses=tuple(addresses),
        user=user,
        client_key=root / "client_ed25519",
        host_public_key=host_public,
        known_hosts=known,
        data_dir=data,
        config=config,
        log=root / "sshd.log",
    )
    server.start()
    return server


def cleanup(server: SshdServer) -> None:
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture(scope="session")
def sshd_server() -> Iterator[SshdServer]:
    """One sshd for the whole session (tests that restart it use ``private_sshd``)."""
    server = start_sshd()
    try:
        yield server
    finally:
        cleanup(server)


@pytest.fixture
def private_sshd() -> Iterator[SshdServer]:
    """An sshd of this test's own, free to be restarted."""
    server = start_sshd()
    try:
        yield server
    finally:
        cleanup(server)


@pytest.fixture
def ssh_files(sshd_server: SshdServer) -> Iterator[Path]:
    """A fresh world-readable directory the test user can read, removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix="t-", dir=sshd_server.data_dir))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
