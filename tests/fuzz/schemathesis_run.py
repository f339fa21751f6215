"""One schemathesis run over the served OpenAPI document, tallied per status and operation.

Every phase schemathesis has: the documented examples, coverage (boundary and
invalid values for each parameter, missing auth, unsupported methods), fuzzing
(positive and negative generation) and stateful sequences that follow the
document's links (create subnet -> allocate -> release, create silence -> expire).
Seeded and deterministic, so a CI failure repeats locally.
"""

from __future__ import annotations

import collections
import threading
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

SEED = 13
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
)


@dataclass
class Tally:
    """What a run sent and got back; filled from schemathesis' after_call hook."""

    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    operations: collections.Counter[str] = field(default_factory=collections.Counter)
    answered: collections.Counter[str] = field(default_factory=collections.Counter)  # not 401/405
    phases: collections.Counter[str] = field(default_factory=collections.Counter)
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def run(
    document: dict[str, Any],
    base_url: str,
    *,
    tokens: dict[str, str],
    max_examples: int,
    phases: tuple[str, ...],
    tally: Tally,
) -> Tally:
    """``tokens`` maps the document's security schemes (apiToken, posToken) to bearer tokens."""
    auth = {"auth": {"openapi": {scheme: {"bearer": token} for scheme, token in tokens.items()}}}
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "base-url": base_url,
            **(auth if tokens else {}),
            "request-timeout": 15,
            "generation": {
                "max-examples": max_examples,
                "deterministic": True,
                "mode": "all",
                "database": "none",
            },
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "phases": {
                name: {"enabled": name in phases} for name in ("examples", "coverage", "fuzzing", "stateful")
            },
        }
    )
    schema = schemathesis.openapi.from_dict(document, config=config)
    current = ["setup"]

    @schema.hook
    def after_call(context: Any, case: Any, response: Any) -> None:
        label = f"{case.operation.method.upper()} {case.operation.path}"
        with tally.lock:
            tally.statuses[response.status_code] += 1
            tally.operations[label] += 1
            tally.phases[current[0]] += 1
            if response.status_code not in (401, 405):
                tally.answered[label] += 1

    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted):
            current[0] = str(event.phase.name)
        elif isinstance(event, events.ScenarioFinished):
            for nodes in event.recorder.checks.values():
                for node in nodes:
                    if node.failure_info is not None:
                        failure = node.failure_info.failure
                        tally.failures.append(
                            f"{event.phase} {event.label} {node.name}: {failure.title}: "
                            f"{failure.message[:400]}"
                        )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            what = getattr(event, "value", None) or getattr(event, "exception", None)
            tally.errors.append(f"{type(event).__name__}: {getattr(event, 'label', '')} {what!r}"[:600])
    return tally
