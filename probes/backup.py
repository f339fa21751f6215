"""Daily backup verification over SSH: the newest backup exists, is fresh, big enough and sound.

On the same pooled connection as ssh_log: list the directory over SFTP, take
the newest regular file whose name matches ``pattern``, and judge it (see
``monitord.ssh.backups``): fresh by ``max_age`` and/or a daily ``due_by`` time,
at least ``min_size``, not more than ``max_shrink`` smaller than the backup
before it. Optionally its checksum file must match (the digest is computed on
the server with ``sha256sum``-style tools, so the backup is not copied) and a
verify command (e.g. ``gzip -t {path}``) must exit 0. Arguments are passed
shell-quoted; ``{path}`` is the only substitution.

What the run finds is data on a successful result (the rule model in
docs/alert-rules.md): a run that reached the server and looked is ``ok`` with
``up=1`` whatever it found, each problem is its own 0/1 field (``missing``,
``stale``, ``too_small``, ``shrunk``, ``verified``) for its own threshold rule,
and ``reason``/``evidence`` list the problems. Only "cannot connect" (SSH down,
auth or host key refused, the deadline) is a failed run (``ok=False``, ``up=0``),
read by the ``backup-host-unreachable`` down rule.
"""

from __future__ import annotations

import fnmatch
import stat
import time as clock
from datetime import UTC, datetime, time
from pathlib import Path
from typing import ClassVar, Literal
from zoneinfo import ZoneInfo

import asyncssh
from pydantic import ByteSize, Field, field_validator

from monitord.config.durations import PositiveDuration
from monitord.config.zones import validate_timezone
from monitord.results import FieldValue, ProbeResult, now_ns
from monitord.ssh.backup_history import BackupHistory
from monitord.ssh.backups import BackupFile, judge, newest_of, oldest_acceptable
from monitord.ssh.pool import HostSession, SshPool, SshUnavailable, acquire_shared_pool, release_shared_pool
from monitord.ssh.remote import read_small
from monitord.ssh.settings import SshSettings
from probes.base import ProbeContext, ProbeKind, ProbeTarget

_CHECKSUM_TOOLS = {"sha256": "sha256sum", "sha512": "sha512sum", "sha1": "sha1sum", "md5": "md5sum"}
_CHECKSUM_FILE_LIMIT = 64 * 1024
DEFAULT_MAX_AGE = 26 * 3600.0
# Measurements and fields this kind writes ("number" or "text"): the Grafana dashboards must show
# each one (tests/grafana/test_coverage.py); keep it next to the code that fills them.
WRITES: dict[str, dict[str, str]] = {
    "backup": dict.fromkeys(
        (
            "up",
            "files",
            "missing",
            "stale",
            "too_small",
            "shrunk",
            "age_s",
            "size_bytes",
            "previous_size_bytes",
            "shrink_share",
            "checksum_ok",
            "verify_ok",
            "verified",
        ),
        "number",
    )
}


class BackupSettings(SshSettings):
    """Where the backups are and what a good one looks like."""

    interval: PositiveDuration = Field(default=900.0, description="Time between checks.")
    timeout: PositiveDuration = Field(
        default=120.0, description="Deadline of one check; it must cover the checksum and verify command."
    )
    directory: str = Field(description="Absolute directory on the server holding the backups.")
    pattern: str = Field(
        min_length=1, description="Glob on file names (erp-*.dump.gz); only regular files count."
    )
    max_age: PositiveDuration | None = Field(
        default=None,
        description="The newest backup must be younger than this; with neither max_age nor due_by, "
        "26h; with both, the stricter wins.",
    )
    due_by: time | None = Field(
        default=None,
        description="Daily HH:MM: once today's due_by has passed, the newest backup must be newer "
        "than yesterday's due_by.",
    )
    timezone: str = Field(default="UTC", description="IANA time zone of due_by.")
    min_size: ByteSize = Field(
        default=ByteSize(1), le=1 << 50, description="Smallest acceptable size of the newest backup."
    )
    max_shrink: float = Field(
        default=0.2,
        ge=0.0,
        le=1.0,
        description="Share by which the newest backup may be smaller than the one before it (or "
        "the previous generation of a single overwritten file).",
    )
    checksum: Literal["sha256", "sha512", "sha1", "md5"] | None = Field(
        default=None,
        description="Check the checksum file next to the backup (sha256sum format) against the "
        "digest computed on the server; none: no check.",
    )
    checksum_suffix: str | None = Field(
        default=None, description="Checksum file name: backup path + this; none: .<checksum>."
    )
    verify_command: tuple[str, ...] = Field(
        default=(),
        description="argv run on the server, {path} replaced by the newest backup (e.g. [gzip, -t, "
        '"{path}"]); exit 0 means sound. Quoted, no shell syntax interpreted.',
    )

    @field_validator("directory")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f"{value!r} is not an absolute path")
        return value.rstrip("/") or "/"

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return validate_timezone(value)

    def freshness(self) -> tuple[float | None, time | None]:
        """``(max_age, due_by)``; 26 hours of age when neither is set."""
        if self.max_age is None and self.due_by is None:
            return DEFAULT_MAX_AGE, None
        return self.max_age, self.due_by


class BackupProbe(ProbeKind[BackupSettings]):
    """Verifies the newest backup in a directory on a server."""

    name: ClassVar[str] = "backup"
    measurement: ClassVar[str] = "backup"
    settings_model: ClassVar[type[BackupSettings]] = BackupSettings
    default_concurrency: ClassVar[int] = 32

    def __init__(self, pool: SshPool | None = None) -> None:
        self._own_pool = pool
        self._pool: SshPool | None = pool
        self._known_hosts = Path("ssh_known_hosts")
        self._history = BackupHistory(self.name, None)

    async def open(self, ctx: ProbeContext) -> None:
        if self._own_pool is None:
            self._pool = acquire_shared_pool()
        self._known_hosts = ctx.state_dir / "ssh_known_hosts"
        self._history = BackupHistory(self.name, ctx.state)

    def forget(self, target: str) -> None:
        self._history.forget(target)

    async def close(self) -> None:
        if self._own_pool is None and self._pool is not None:
            self._pool = None
            await release_shared_pool()

    def tags(self, target: ProbeTarget, settings: BackupSettings) -> dict[str, str]:
        return {**target.base_tags(), "host": target.address, "directory": settings.directory}

    async def probe(self, target: ProbeTarget, settings: BackupSettings) -> ProbeResult:
        if self._pool is None:
            raise RuntimeError("backup probe used before open()")
        tags = self.tags(target, settings)
        started = now_ns()

        async def verify(session: HostSession) -> ProbeResult:
            return await self._verify(session, target, settings, tags, started)

        try:
            return await self._pool.run(settings.endpoint(target.address, self._known_hosts), verify)
        except (SshUnavailable, asyncssh.Error) as exc:
            return ProbeResult.failure(
                measurement=self.measurement,
                target=target.name,
                kind=self.name,
                reason=_ssh_reason(exc),
                tags=tags,
                time_ns=started,
            )

    async def _verify(
        self,
        session: HostSession,
        target: ProbeTarget,
        settings: BackupSettings,
        tags: dict[str, str],
        started: int,
    ) -> ProbeResult:
        sftp = await session.sftp()
        try:
            entries = await sftp.readdir(settings.directory)
        except asyncssh.SFTPError as exc:
            # The server answered and there is no backup we can see: "missing", not "down".
            unlisted = f"cannot list {settings.directory}: {exc.reason}"
            nothing = judge([], now=clock.time(), oldest_ok=0.0, min_size=0, max_shrink=1.0)
            return ProbeResult(
                measurement=self.measurement,
                target=target.name,
                kind=self.name,
                time_ns=started,
                ok=True,
                reason=unlisted,
                fields={"up": 1, **nothing.fields},
                tags=tags,
                evidence=(unlisted,),
            )
        files = [
            BackupFile(
                f"{settings.directory.rstrip('/')}/{name}",
                entry.attrs.size or 0,
                float(entry.attrs.mtime or 0),
            )
            for entry in entries
            if fnmatch.fnmatchcase(name := _name(entry.filename), settings.pattern)
            and entry.attrs.permissions is not None
            and stat.S_ISREG(entry.attrs.permissions)
        ]
        now = clock.time()
        max_age, due_by = settings.freshness()
        oldest_ok = oldest_acceptable(
            datetime.fromtimestamp(now, UTC), max_age, due_by, ZoneInfo(settings.timezone)
        )
        newest = newest_of(files)
        remembered = None
        if newest is not None:
            series = f"{settings.directory}/{settings.pattern}"
            remembered = await self._history.previous_of(target.name, series, newest)
        verdict = judge(
            files,
            now=now,
            oldest_ok=oldest_ok,
            min_size=int(settings.min_size),
            max_shrink=settings.max_shrink,
            remembered=remembered,
        )
        fields: dict[str, FieldValue] = {"up": 1, **verdict.fields}
        if verdict.newest is not None:
            if settings.checksum is not None:
                problem = await _check_checksum(session, sftp, verdict.newest.path, settings)
                fields["checksum_ok"] = int(problem is None)
                if problem:
                    verdict.problems.append(problem)
            if settings.verify_command:
                problem = await _run_verify(session, verdict.newest.path, settings.verify_command)
                fields["verify_ok"] = int(problem is None)
                if problem:
                    verdict.problems.append(problem)
            if "checksum_ok" in fields or "verify_ok" in fields:
                passed = fields.get("checksum_ok", 1) == 1 and fields.get("verify_ok", 1) == 1
                fields["verified"] = int(passed)
        # ok: the server was reached and the backup judged; what was wrong is in the fields.
        return ProbeResult(
            measurement=self.measurement,
            target=target.name,
            kind=self.name,
            time_ns=started,
            ok=True,
            reason="; ".join(verdict.problems) or None,
            fields=fields,
            tags=tags,
            evidence=tuple(verdict.problems),
        )


def _name(filename: str | bytes) -> str:
    return filename if isinstance(filename, str) else filename.decode("utf-8", "replace")


async def _check_checksum(
    session: HostSession, sftp: asyncssh.SFTPClient, path: str, settings: BackupSettings
) -> str | None:
    """None when the digest listed in the checksum file matches the file's digest on the server."""
    assert settings.checksum is not None
    checksum_path = path + (settings.checksum_suffix or f".{settings.checksum}")
    try:
        content = await read_small(sftp, checksum_path, _CHECKSUM_FILE_LIMIT)
        listed = content.decode("ascii", "replace").split()
    except asyncssh.SFTPError as exc:
        return f"checksum file {checksum_path}: {exc.reason}"
    if not listed:
        return f"checksum file {checksum_path} is empty"
    result = await session.run([_CHECKSUM_TOOLS[settings.checksum], "--", path])
    computed = result.stdout.split()
    if result.exit_status != 0 or not computed:
        return f"{_CHECKSUM_TOOLS[settings.checksum]} failed on {path}: {_last_line(result.stderr)}"
    if computed[0].lower() != listed[0].lower():
        return (
            f"checksum mismatch for {path}: {checksum_path} lists {listed[0][:16]}..., "
            f"file has {computed[0][:16]}..."
        )
    return None


async def _run_verify(session: HostSession, path: str, command: tuple[str, ...]) -> str | None:
    argv = [arg.replace("{path}", path) for arg in command]
    result = await session.run(argv, keep_stdout=False)
    if result.exit_status == 0:
        return None
    return f"verify command {command[0]} failed (exit {result.exit_status}): {_last_line(result.stderr)}"


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "no output"


def _ssh_reason(exc: Exception) -> str:
    """The reason of a failed run; asyncssh errors carry theirs in ``reason``."""
    if isinstance(exc, asyncssh.Error):
        return f"ssh error: {exc.reason or type(exc).__name__}"
    return str(exc)
