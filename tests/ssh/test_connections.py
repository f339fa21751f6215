"""Connections against a real sshd: host key checks, TOFU, failures as results, reconnects, restarts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import asyncssh
import pytest

from monitord.ssh.hostkeys import describe_key
from monitord.ssh.pool import SshPool
from monitord.store.engine import StateStore
from probes.base import ProbeContext
from probes.ssh_log import SshLogProbe, SshLogSettings
from tests.servers.processes import free_port
from tests.servers.sshd import SshdServer, keygen
from tests.ssh.conftest import TARGET, connection, write

pytestmark = pytest.mark.root


def fingerprint_of(public_line: str) -> str:
    return describe_key(asyncssh.import_public_key(public_line)).split()[0]


def log_settings(server: SshdServer, files: list[str], **extra: object) -> SshLogSettings:
    return SshLogSettings.model_validate(connection(server, files=files, **extra))


async def test_changed_host_key_is_a_failed_result_naming_the_fingerprint(
    sshd_server: SshdServer, ssh_files: Path, tmp_path: Path, log_probe: SshLogProbe
) -> None:
    other = keygen(tmp_path / "impostor")
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:{sshd_server.port} {other}\n")
    write(ssh_files / "app.log", "")
    config = log_settings(
        sshd_server, [str(ssh_files / "app.log")], known_hosts=known, trust_on_first_use=True
    )
    result = await log_probe.probe(TARGET, config)
    assert not result.ok
    assert result.fields["up"] == 0
    assert result.reason is not None
    assert "CHANGED" in result.reason
    assert fingerprint_of(sshd_server.host_public_key) in result.reason
    assert fingerprint_of(other) in result.reason
    assert known.read_text() == f"[127.0.0.1]:{sshd_server.port} {other}\n"  # TOFU never overwrites


async def test_unknown_host_key_fails_without_trust_on_first_use(
    sshd_server: SshdServer, ssh_files: Path, tmp_path: Path, log_probe: SshLogProbe
) -> None:
    write(ssh_files / "app.log", "")
    config = log_settings(sshd_server, [str(ssh_files / "app.log")], known_hosts=tmp_path / "none")
    result = await log_probe.probe(TARGET, config)
    assert not result.ok
    assert result.reason is not None
    assert "unknown" in result.reason
    assert fingerprint_of(sshd_server.host_public_key) in result.reason
    assert not (tmp_path / "none").exists()


async def test_trust_on_first_use_records_the_key_then_verifies_it(
    sshd_server: SshdServer, ssh_files: Path, tmp_path: Path, pool: SshPool, log_probe: SshLogProbe
) -> None:
    write(ssh_files / "app.log", "")
    known = tmp_path / "known_hosts"
    config = log_settings(
        sshd_server, [str(ssh_files / "app.log")], known_hosts=known, trust_on_first_use=True
    )
    first = await log_probe.probe(TARGET, config)
    assert first.ok, first.reason
    recorded = known.read_text()
    assert recorded.startswith(f"[127.0.0.1]:{sshd_server.port} ssh-ed25519 ")
    assert sshd_server.host_public_key.split()[1] in recorded
    # The recorded line is valid OpenSSH known_hosts syntax.
    check = subprocess.run(
        ["ssh-keygen", "-F", f"[127.0.0.1]:{sshd_server.port}", "-f", str(known)],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    await pool.close()
    again = await log_probe.probe(TARGET, config.model_copy(update={"trust_on_first_use": False}))
    assert again.ok, again.reason


async def test_portless_known_hosts_entry_only_counts_when_allowed(
    sshd_server: SshdServer, ssh_files: Path, tmp_path: Path, pool: SshPool, log_probe: SshLogProbe
) -> None:
    write(ssh_files / "app.log", "")
    known = tmp_path / "known_hosts"
    known.write_text(f"127.0.0.1 {sshd_server.host_public_key}\n")
    config = log_settings(sshd_server, [str(ssh_files / "app.log")], known_hosts=known)
    strict = await log_probe.probe(TARGET, config)
    assert not strict.ok
    assert strict.reason is not None and "unknown" in strict.reason
    loose = await log_probe.probe(TARGET, config.model_copy(update={"match_portless_known_hosts": True}))
    assert loose.ok, loose.reason


async def test_hashed_known_hosts_entries_match(
    sshd_server: SshdServer, ssh_files: Path, tmp_path: Path, log_probe: SshLogProbe
) -> None:
    write(ssh_files / "app.log", "")
    known = tmp_path / "known_hosts"
    known.write_text(sshd_server.known_hosts.read_text())
    subprocess.run(["ssh-keygen", "-H", "-f", str(known)], check=True, capture_output=True, timeout=10)
    assert "127.0.0.1" not in known.read_text()
    result = await log_probe.probe(
        TARGET, log_settings(sshd_server, [str(ssh_files / "app.log")], known_hosts=known)
    )
    assert result.ok, result.reason


async def test_refused_connection_and_bad_key_are_failed_results(
    sshd_server: SshdServer, ssh_files: Path, tmp_path: Path, log_probe: SshLogProbe
) -> None:
    files = [str(ssh_files / "app.log")]
    refused = await log_probe.probe(TARGET, log_settings(sshd_server, files, port=free_port()))
    assert not refused.ok
    assert refused.reason is not None and "cannot connect" in refused.reason
    keygen(tmp_path / "stranger")
    denied = await log_probe.probe(
        TARGET, log_settings(sshd_server, files, client_keys=[tmp_path / "stranger"])
    )
    assert not denied.ok
    assert denied.reason == f"{sshd_server.user}@127.0.0.1:{sshd_server.port}: authentication failed"


async def test_passphrase_protected_key_and_secrets_stay_out_of_reprs(
    sshd_server: SshdServer, ssh_files: Path, tmp_path: Path, log_probe: SshLogProbe
) -> None:
    public = keygen(tmp_path / "locked", passphrase="hunter2-secret")
    with (sshd_server.root / "authorized_keys").open("a") as handle:
        handle.write(public + "\n")
    write(ssh_files / "app.log", "")
    config = log_settings(
        sshd_server,
        [str(ssh_files / "app.log")],
        client_keys=[tmp_path / "locked"],
        key_passphrase="hunter2-secret",
        password="pw-secret",
    )
    assert "hunter2-secret" not in repr(config)
    assert "pw-secret" not in repr(config.endpoint("127.0.0.1", tmp_path))
    result = await log_probe.probe(TARGET, config)
    assert result.ok, result.reason
    wrong = await log_probe.probe(
        TARGET, config.model_copy(update={"key_passphrase": config.password, "port": sshd_server.port})
    )
    assert not wrong.ok
    assert "hunter2-secret" not in str(wrong) and "pw-secret" not in str(wrong)


async def test_server_restart_reconnects_without_a_failed_run(
    private_sshd: SshdServer, pool: SshPool, log_probe: SshLogProbe
) -> None:
    folder = private_sshd.data_dir / "logs"
    folder.mkdir(mode=0o755)
    log = folder / "app.log"
    write(log, "")
    config = log_settings(private_sshd, [str(log)])
    assert (await log_probe.probe(TARGET, config)).ok
    private_sshd.restart()
    write(log, "error after restart\n")
    result = await log_probe.probe(TARGET, config)
    assert result.ok, result.reason
    assert result.fields["rule_error"] == 1
    assert pool.connects == 2
    private_sshd.stop()
    down = await log_probe.probe(TARGET, config)
    assert not down.ok
    assert down.reason is not None and "cannot connect" in down.reason


async def test_offsets_survive_a_daemon_restart(
    sshd_server: SshdServer, ssh_files: Path, state_store: StateStore, tmp_path: Path
) -> None:
    log = ssh_files / "app.log"
    write(log, "before\n")
    config = log_settings(sshd_server, [str(log)])

    async def run_once() -> dict[str, object]:
        pool = SshPool()
        kind = SshLogProbe(pool)
        from prometheus_client import CollectorRegistry

        await kind.open(ProbeContext(state_dir=tmp_path, registry=CollectorRegistry(), state=state_store))
        try:
            return dict((await kind.probe(TARGET, config)).fields)
        finally:
            await kind.close()
            await pool.close()

    assert (await run_once())["lines"] == 0
    write(log, "error one\n")
    assert (await run_once())["rule_error"] == 1
    write(log, "error two\nerror three\n")
    # A new process (new pool, new kind) resumes from the stored offset: no line twice, none lost.
    resumed = await run_once()
    assert resumed["lines"] == 2
    assert resumed["rule_error"] == 2


async def test_idle_connections_are_closed(
    sshd_server: SshdServer,
    ssh_files: Path,
    tmp_path: Path,
    pool: SshPool,
    log_probe: SshLogProbe,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from monitord.ssh import pool as pool_module

    write(ssh_files / "app.log", "")
    first = log_settings(sshd_server, [str(ssh_files / "app.log")])
    other_known = tmp_path / "known_hosts_copy"
    other_known.write_text(sshd_server.known_hosts.read_text())
    second = first.model_copy(update={"known_hosts": other_known})  # another endpoint, same server
    assert (await log_probe.probe(TARGET, first)).ok
    assert (await log_probe.probe(TARGET, second)).ok
    assert pool.open_connections() == 2
    monkeypatch.setattr(pool_module, "IDLE_CLOSE", 0.0)
    assert (await log_probe.probe(TARGET, second)).ok
    assert pool.open_connections() == 1  # the idle one of `first` closed, the one in use kept
    assert pool.connects == 2
    assert (await log_probe.probe(TARGET, first)).ok  # reconnects; now `second` is idle and closed
    assert pool.open_connections() == 1
    assert pool.connects == 3
