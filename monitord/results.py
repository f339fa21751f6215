"""Probe results: the one value type that flows from probes to sinks and alerts."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FieldValue = float | int | bool | str


def now_ns() -> int:
    """Wall-clock UTC timestamp in nanoseconds, the resolution every sink accepts."""
    return time.time_ns()


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What one probe run observed about one target.

    ``fields`` are the measured values (numbers, booleans, short strings); ``tags``
    identify the series beyond ``target`` (e.g. ``ifName`` for an interface).
    ``ok`` means "the probe reached its target and measured"; a failed run
    (``ok=False``, ``up=0``) is "cannot reach / cannot check", and ``reason``
    says why. A problem a successful run *found* (a stale backup, a missing log
    file) is a field of an ``ok`` result, with ``reason`` saying what was found
    (docs/alert-rules.md: ``down`` rules read ``ok``/``up``, threshold rules the
    fields of successful runs).
    ``evidence`` carries lines that explain the result (log lines for the alert
    engine to attach to a ticket); sinks ignore it.
    ``pushed`` marks an event a device pushed (an SNMP trap), not a probe run: the
    alert engine applies it at once (no ``for``/``clear_for`` hold), and ``down`` and
    ``absent`` rules ignore it, since a pushed event says nothing about whether the
    probe reaches its target. Sinks write it like any result.
    """

    measurement: str
    target: str
    kind: str
    time_ns: int
    ok: bool
    reason: str | None = None
    fields: Mapping[str, FieldValue] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    evidence: tuple[str, ...] = ()
    pushed: bool = False

    @classmethod
    def failure(
        cls,
        *,
        measurement: str,
        target: str,
        kind: str,
        reason: str,
        tags: Mapping[str, str] | None = None,
        fields: Mapping[str, FieldValue] | None = None,
        time_ns: int | None = None,
    ) -> ProbeResult:
        """A failed run: ``up=0`` plus whatever fields the probe could still fill."""
        merged: dict[str, FieldValue] = {"up": 0}
        if fields:
            merged.update(fields)
        return cls(
            measurement=measurement,
            target=target,
            kind=kind,
            time_ns=now_ns() if time_ns is None else time_ns,
            ok=False,
            reason=reason,
            fields=merged,
            tags=tags if tags is not None else {},
        )

    def all_tags(self) -> dict[str, str]:
        """Tags including ``target``, as sinks write them."""
        merged = {"target": self.target}
        merged.update(self.tags)
        return merged


def result_json(result: ProbeResult) -> dict[str, Any]:
    """A result as the JSON the CLI prints and the API returns (here, so neither imports the other)."""
    return {
        "target": result.target,
        "kind": result.kind,
        "measurement": result.measurement,
        "time_ns": result.time_ns,
        "ok": result.ok,
        "reason": result.reason,
        "fields": dict(result.fields),
        "tags": dict(result.tags),
    }
