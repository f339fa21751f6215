"""SSH log scraping: read what a server's log files gained since the last run and count rule matches.

One run per target (server): expand the configured files and globs over SFTP,
``stat`` them all in one command for inode and size, read each file's new bytes
from its saved cursor (rotation and truncation handled in ``monitord.ssh.tail``),
count the lines each rule matches and keep the matching lines, collapsed and
capped, as the result's evidence for a ticket. Compressed and numbered rotated
files matched by a glob are skipped: their content was read while it was live.

A run that connected and looked is ``ok`` (``up=1``) even when it found a
configured file missing or unreadable: those are fields (``files_missing``,
``files_unreadable``) with ``reason`` naming the files, for threshold rules
(docs/alert-rules.md). Only "cannot connect or cannot look" is a failed run
(``ok=False``, ``up=0``), read by the ``ssh-unreachable`` down rule.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import ClassVar

import asyncssh
from pydantic import Field, field_validator, model_validator

from monitord.config.durations import PositiveDuration
from monitord.logrules.evidence import Evidence
from monitord.logrules.matching import CompiledRule, compile_rules, scan
from monitord.logrules.rules import DEFAULT_RULES, SEVERITIES, LogRule
from monitord.results import FieldValue, ProbeResult, now_ns
from monitord.ssh.cursors import CursorStore
from monitord.ssh.pool import HostSession, SshPool, SshUnavailable, acquire_shared_pool, release_shared_pool
from monitord.ssh.remote import RemoteStatError, expand, stat_files
from monitord.ssh.settings import SshSettings
from monitord.ssh.tail import FileRead, StartAt, read_new
from probes.base import ProbeContext, ProbeKind, ProbeTarget

_SKIPPED_NAMES = re.compile(r"\.(?:gz|bz2|xz|zst|lz4|lzma|z|zip|\d+)$", re.IGNORECASE)
# Measurements and fields this kind writes ("number" or "text"): the Grafana dashboards must show
# each one (tests/grafana/test_coverage.py); keep it next to the code that fills them.
# ``rule_*``: one field per log rule (rule_<name>), ``severity_*``: one per severity.
WRITES: dict[str, dict[str, str]] = {
    "log": dict.fromkeys(
        (
            "up",
            "files",
            "files_missing",
            "files_unreadable",
            "lines",
            "bytes",
            "backlog_bytes",
            "rotations",
            "rotations_lost",
            "truncations",
            "rule_*",
            "severity_*",
        ),
        "number",
    )
}


class SshLogSettings(SshSettings):
    """Which files to read on the target, and what to look for."""

    interval: PositiveDuration = Field(default=60.0, description="Time between reads of the files.")
    timeout: PositiveDuration = Field(default=30.0, description="Deadline of one run.")
    files: tuple[str, ...] = Field(
        min_length=1,
        description="Absolute paths and/or globs, expanded on the server each run; compressed and "
        "numbered rotated files a glob matches are skipped.",
    )
    rules: tuple[LogRule, ...] = Field(
        default=DEFAULT_RULES, description="Rules counted per line; setting it replaces the built-in ones."
    )
    start_at: StartAt = Field(
        default="end",
        description="Where a file seen for the first time is read from: end (new lines only), "
        "beginning, or tail (the last max_bytes_per_run bytes).",
    )
    rotated_suffix: str = Field(
        default=".1",
        min_length=1,
        description="Name of the previous file after rotation (syslog -> syslog.1).",
    )
    max_bytes_per_run: int = Field(
        default=4 * 1024 * 1024,
        ge=4096,
        le=1 << 30,
        description="Bytes read per file per run; the rest is read by later runs (backlog_bytes).",
    )
    max_evidence_lines: int = Field(
        default=20, ge=0, le=1000, description="Distinct matching lines kept as evidence per run (0: none)."
    )
    max_line_length: int = Field(
        default=500, ge=40, le=65536, description="Evidence lines are cut after this many characters."
    )

    @field_validator("files")
    @classmethod
    def _absolute(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for path in value:
            if not path.startswith("/"):
                raise ValueError(f"{path!r} is not an absolute path")
        return value

    @model_validator(mode="after")
    def _unique_rules(self) -> SshLogSettings:
        names = [rule.name for rule in self.rules]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"rules: duplicate rule name {', '.join(duplicates)}")
        return self


def skipped(path: str) -> bool:
    """Compressed or numbered rotated files (``syslog.2.gz``, ``app.log.1``) are not read."""
    return _SKIPPED_NAMES.search(path) is not None


# Decoding and matching cost ~6 ms per MB (more with matches or a slow user regex); a
# block above this size goes to a worker thread so up to 4 MB per file, times files and
# concurrent targets, never stalls the event loop. Small blocks are cheaper inline.
INLINE_SCAN_BYTES = 256 * 1024


def _scan_block(
    block: bytes,
    path: str,
    rules: tuple[CompiledRule, ...],
    counts: dict[str, int],
    evidence: Evidence | None,
) -> int:
    """Count rule matches of one block into ``counts``/``evidence``; returns its line count."""
    text = block.decode("utf-8", "replace")
    scan(text, path, rules, counts, evidence)
    return text.count("\n") + (0 if text.endswith("\n") or not text else 1)


class SshLogProbe(ProbeKind[SshLogSettings]):
    """Counts rule matches in the new lines of a server's logs."""

    name: ClassVar[str] = "ssh_log"
    measurement: ClassVar[str] = "log"
    settings_model: ClassVar[type[SshLogSettings]] = SshLogSettings
    default_concurrency: ClassVar[int] = 64

    def __init__(self, pool: SshPool | None = None) -> None:
        self._own_pool = pool
        self._pool: SshPool | None = pool
        self._cursors = CursorStore(self.name, None)
        self._known_hosts = Path("ssh_known_hosts")
        self._compiled: dict[tuple[LogRule, ...], tuple[CompiledRule, ...]] = {}

    async def open(self, ctx: ProbeContext) -> None:
        if self._own_pool is None:
            self._pool = acquire_shared_pool()
        self._cursors = CursorStore(self.name, ctx.state)
        self._known_hosts = ctx.state_dir / "ssh_known_hosts"

    async def close(self) -> None:
        if self._own_pool is None and self._pool is not None:
            self._pool = None
            await release_shared_pool()

    def forget(self, target: str) -> None:
        self._cursors.forget(target)

    def tags(self, target: ProbeTarget, settings: SshLogSettings) -> dict[str, str]:
        return {**target.base_tags(), "host": target.address}

    async def probe(self, target: ProbeTarget, settings: SshLogSettings) -> ProbeResult:
        if self._pool is None:
            raise RuntimeError("ssh_log probe used before open()")
        tags = self.tags(target, settings)
        started = now_ns()
        rules = self._compiled.get(settings.rules)
        if rules is None:
            rules = self._compiled[settings.rules] = compile_rules(settings.rules)
        endpoint = settings.endpoint(target.address, self._known_hosts)

        async def scrape(session: HostSession) -> ProbeResult:
            return await self._scrape(session, target, settings, rules=rules, tags=tags, started=started)

        try:
            return await self._pool.run(endpoint, scrape)
        except (SshUnavailable, asyncssh.Error) as exc:
            return ProbeResult.failure(
                measurement=self.measurement,
                target=target.name,
                kind=self.name,
                reason=_ssh_reason(exc),
                tags=tags,
                time_ns=started,
            )

    async def _scrape(
        self,
        session: HostSession,
        target: ProbeTarget,
        settings: SshLogSettings,
        *,
        rules: tuple[CompiledRule, ...],
        tags: dict[str, str],
        started: int,
    ) -> ProbeResult:
        sftp = await session.sftp()
        paths = [p for p in await expand(sftp, settings.files) if not skipped(p)]
        saved = await self._cursors.load(target.name)
        cursors = {path: saved.get(path) for path in paths}
        rotated_names = {path: path + settings.rotated_suffix for path in paths}
        try:
            stats = await stat_files(session, [*paths, *(rotated_names[p] for p in paths if cursors[p])])
        except RemoteStatError as exc:
            return ProbeResult.failure(
                measurement=self.measurement,
                target=target.name,
                kind=self.name,
                reason=str(exc),
                tags=tags,
                time_ns=started,
            )
        counts: dict[str, int] = {rule.rule.name: 0 for rule in rules}
        evidence = Evidence(settings.max_evidence_lines, settings.max_line_length)
        reads: list[FileRead] = []
        lines = 0
        for path in paths:
            try:
                read = await read_new(
                    sftp,
                    path,
                    current=stats.get(path),
                    rotated=stats.get(rotated_names[path]),
                    cursor=cursors[path],
                    budget=settings.max_bytes_per_run,
                    start_at=settings.start_at,
                )
            except asyncssh.SFTPError as exc:  # unreadable (permissions) or gone mid-run
                reads.append(FileRead(path, cursors[path], error=f"cannot read {path}: {exc.reason}"))
                continue
            kept = evidence if settings.max_evidence_lines else None
            for block in read.blocks:
                if len(block) > INLINE_SCAN_BYTES:
                    # Only this run touches counts/evidence, so the worker thread may fill them.
                    lines += await asyncio.to_thread(_scan_block, block, path, rules, counts, kept)
                else:
                    lines += _scan_block(block, path, rules, counts, kept)
            if read.cursor is not None:
                saved[path] = read.cursor
            reads.append(read)
        # Cursors of files a glob no longer matches (deleted, renamed away) are dropped.
        await self._cursors.save(target.name, {p: c for p, c in saved.items() if p in cursors})
        literal = set(settings.files)
        # Only files configured by name count as missing: a glob matching nothing is no files,
        # and a file a glob matched that vanished mid-run was rotated away, not misconfigured.
        missing = [r.path for r in reads if r.missing and r.path in literal]
        fields = self._fields(rules, counts, reads, lines, missing=len(missing))
        problems = [r.error for r in reads if r.error]
        if missing:
            problems.insert(0, f"missing: {', '.join(missing)}")
        # ok: the server was reached and the files looked at; what was wrong is in the fields.
        return ProbeResult(
            measurement=self.measurement,
            target=target.name,
            kind=self.name,
            time_ns=started,
            ok=True,
            reason="; ".join(problems) or None,
            fields=fields,
            tags=tags,
            evidence=evidence.lines(),
        )

    @staticmethod
    def _fields(
        rules: tuple[CompiledRule, ...],
        counts: dict[str, int],
        reads: list[FileRead],
        lines: int,
        *,
        missing: int = 0,
    ) -> dict[str, FieldValue]:
        fields: dict[str, FieldValue] = {
            "up": 1,
            "files": sum(1 for r in reads if not r.missing and not r.error),
            "files_missing": missing,
            "files_unreadable": sum(1 for r in reads if r.error),
            "lines": lines,
            "bytes": sum(r.bytes_read for r in reads),
            "backlog_bytes": sum(r.backlog for r in reads),
            "rotations": sum(1 for r in reads if r.rotated),
            "rotations_lost": sum(1 for r in reads if r.lost_rotation),
            "truncations": sum(1 for r in reads if r.truncated),
        }
        by_severity = dict.fromkeys(SEVERITIES, 0)
        for compiled in rules:
            by_severity[compiled.rule.severity] += counts[compiled.rule.name]
            fields[f"rule_{compiled.rule.name}"] = counts[compiled.rule.name]
        for severity, count in by_severity.items():
            fields[f"severity_{severity}"] = count
        return fields


def _ssh_reason(exc: Exception) -> str:
    """The reason of a failed run; asyncssh errors carry theirs in ``reason``."""
    if isinstance(exc, asyncssh.Error):
        return f"ssh error: {exc.reason or type(exc).__name__}"
    return str(exc)
