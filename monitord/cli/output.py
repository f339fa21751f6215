"""What one-shot probe commands share: the deadline around a run and how results print."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

from monitord.results import ProbeResult
from probes.base import ProbeKind, ProbeSettings, ProbeTarget


async def run_with_deadline(
    kind: ProbeKind[Any], target: ProbeTarget, settings: ProbeSettings
) -> list[ProbeResult]:
    """One run bounded by ``settings.timeout``, as the scheduler would run it."""
    try:
        async with asyncio.timeout(settings.timeout):
            produced = await kind.probe(target, settings)
    except TimeoutError:
        produced = kind.timeout_result(target, settings)
    return produced if isinstance(produced, list) else [produced]


def result_json(result: ProbeResult) -> dict[str, Any]:
    """A result as the JSON the CLI prints and the API returns."""
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


def print_results(results: Sequence[ProbeResult], as_json: bool) -> None:
    if as_json:
        print(json.dumps([result_json(r) for r in results], indent=2))
        return
    for result in results:
        values = " ".join(
            f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
            for k, v in result.fields.items()
            if k != "up"
        )
        if not result.ok:
            state = f"DOWN ({result.reason})"
        else:  # reached and measured; a reason is a problem the run found (e.g. a stale backup)
            state = f"up (found: {result.reason})" if result.reason else "up"
        print(f"{result.target} {result.kind}: {state} {values}".rstrip())


def settings_error(exc: Any) -> str:
    """A pydantic ValidationError as ``field: message`` lines (the first few)."""
    lines = []
    for error in exc.errors()[:5]:
        where = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"{where}: {message}" if where else message)
    return "; ".join(lines)
