"""One alert's state: inactive -> pending -> firing -> resolved, keyed by fingerprint.

The fingerprint is stable across restarts and config reloads: a hash of the
rule name, the target and the result tags that identify the series (e.g. an
interface name), so a restart resumes the same alert instead of opening a new one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from alerts.clock import iso

Status = Literal["inactive", "pending", "firing", "resolved"]

# Result tags that describe the target rather than a series of it.
NON_IDENTIFYING_TAGS = frozenset({"site", "address"})


def fingerprint(rule: str, target: str, tags: Mapping[str, str]) -> str:
    parts = [rule, target, *(f"{k}={tags[k]}" for k in sorted(tags) if k not in NON_IDENTIFYING_TAGS)]
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()


@dataclass(slots=True)
class Alert:
    """Everything the engine knows about one (rule, target, series)."""

    fingerprint: str
    rule: str
    target: str
    labels: dict[str, str]
    status: Status = "inactive"
    pending_since: float | None = None
    fired_at: float | None = None
    clear_since: float | None = None
    resolved_at: float | None = None
    value: float | None = None
    reason: str | None = None
    summary: str = ""
    evidence: list[str] = field(default_factory=list)
    flapping: bool = False
    history: list[bool] = field(default_factory=list)
    # route name -> what its receivers last heard: firing | resolved | flapping
    # ("at:<route>" holds when, "esc:<route>" marks an escalation already sent).
    notified: dict[str, Any] = field(default_factory=dict)
    ticket_id: int | None = None
    updated_at: float = 0.0

    @property
    def active(self) -> bool:
        return self.status == "firing"

    def row(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "rule": self.rule,
            "target": self.target,
            "labels": self.labels,
            "status": self.status,
            "pending_since": self.pending_since,
            "fired_at": self.fired_at,
            "clear_since": self.clear_since,
            "resolved_at": self.resolved_at,
            "value": self.value,
            "reason": self.reason,
            "summary": self.summary,
            "evidence": list(self.evidence),
            "flapping": self.flapping,
            "history": list(self.history),
            "notified": dict(self.notified),
            "ticket_id": self.ticket_id,
            "updated_at": self.updated_at,
        }

    @classmethod
    def from_row(cls, row: Any) -> Alert:
        return cls(
            fingerprint=row["fingerprint"],
            rule=row["rule"],
            target=row["target"],
            labels=dict(row["labels"]),
            status=row["status"],
            pending_since=row["pending_since"],
            fired_at=row["fired_at"],
            clear_since=row["clear_since"],
            resolved_at=row["resolved_at"],
            value=row["value"],
            reason=row["reason"],
            summary=row["summary"],
            evidence=list(row["evidence"]),
            flapping=bool(row["flapping"]),
            history=[bool(x) for x in row["history"]],
            notified=dict(row["notified"]),
            ticket_id=row["ticket_id"],
            updated_at=row["updated_at"],
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "rule": self.rule,
            "target": self.target,
            "labels": self.labels,
            "status": self.status,
            "flapping": self.flapping,
            "summary": self.summary,
            "value": self.value,
            "reason": self.reason,
            "pending_since": iso(self.pending_since),
            "fired_at": iso(self.fired_at),
            "resolved_at": iso(self.resolved_at),
            "ticket_id": self.ticket_id,
            "evidence": self.evidence,
            "notified": {k: v for k, v in self.notified.items() if ":" not in k},
        }
