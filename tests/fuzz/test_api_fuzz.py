"""The whole HTTP API fuzzed from its OpenAPI document against a real ``monitord run`` process,
once on SQLite and once on PostgreSQL: zero 5xx, zero tracebacks in the daemon's log, bounded RSS.

Four passes per back end: schemathesis with the admin token (every phase, every check), a short
one without a token, raw header bytes over a socket, and a hypothesis state machine for the
create/use/delete sequences. ``MONITORD_FUZZ_EXAMPLES`` raises the examples per operation (and
the raw and stateful passes with it) for a longer run by hand; CI uses the default, sized to fit
both back ends in well under three minutes.
"""

from __future__ import annotations

import collections
import json
import os
from pathlib import Path

import pytest

from tests.daemon_harness import ADMIN_TOKEN, READ_TOKEN
from tests.fuzz import raw_headers, schemathesis_run, sequences
from tests.fuzz.daemon import STORE_TOKEN, TILL_TOKEN, DaemonProcess, daemon_process

# 15 examples per operation: 40-70 s per back end on the shared, loaded 2-core machine.
EXAMPLES = int(os.environ.get("MONITORD_FUZZ_EXAMPLES", "15"))
RAW_EXAMPLES = max(250, 10 * EXAMPLES)
SEQUENCES, SEQUENCE_STEPS = max(40, EXAMPLES), 30
RSS_LIMIT_KIB = 512 * 1024


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.root)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    if request.param == "sqlite":
        return "sqlite", f"sqlite+aiosqlite:///{tmp_path / 'state.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return "postgresql", url


def report(
    name: str,
    daemon: DaemonProcess,
    tally: schemathesis_run.Tally,
    raw: collections.Counter[int],
    stateful: collections.Counter[int],
    rss_start: int,
) -> str:
    extra = raw + stateful
    requests = tally.requests + sum(raw.values()) + sum(stateful.values())
    errors = tally.server_errors + sum(n for s, n in extra.items() if s >= 500)
    return (
        f"fuzz[{name}]: {requests} requests ({tally.requests} schemathesis,"
        f" {sum(raw.values())} raw-header, {sum(stateful.values())} in sequences),"
        f" {errors} 5xx, {daemon.tracebacks()} log tracebacks; RSS {rss_start // 1024}"
        f" -> {daemon.status('VmRSS') // 1024} MiB (peak {daemon.status('VmHWM') // 1024} MiB);"
        f" statuses {dict(sorted((tally.statuses + extra).items()))}; per phase {dict(tally.phases)}"
    )


@pytest.mark.slow
@pytest.mark.timeout(max(170, 8 * EXAMPLES))  # a longer run by hand gets more time
def test_fuzz_the_api_from_its_openapi_document(
    backend: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, state_url = backend
    with daemon_process(tmp_path, state_url) as daemon:
        document = json.loads(daemon.get("/api/v1/openapi.json", token=None))
        rss_start = daemon.status("VmRSS")
        tally = schemathesis_run.Tally()
        tokens = {"apiToken": ADMIN_TOKEN, "posToken": TILL_TOKEN}
        schemathesis_run.run(
            document,
            daemon.base_url,
            tokens=tokens,
            max_examples=EXAMPLES,
            phases=("examples", "coverage", "fuzzing", "stateful"),
            tally=tally,
        )
        schemathesis_run.run(
            document, daemon.base_url, tokens={}, max_examples=2, phases=("examples", "fuzzing"), tally=tally
        )
        raw = raw_headers.fuzz_headers(daemon.port, document, RAW_EXAMPLES)
        stateful, unexpected = sequences.run_sequences(daemon.base_url, SEQUENCES, SEQUENCE_STEPS)
        summary = report(name, daemon, tally, raw, stateful, rss_start)
        with capsys.disabled():  # the figures belong in the CI log, passing or not
            print(f"\n{summary}")
        log = daemon.log.read_text(errors="replace")
        peak = daemon.status("VmHWM")

    operations = {f"{m.upper()} {p}" for p, item in document["paths"].items() for m in item}
    assert set(tally.operations) == operations, "operations schemathesis never called"
    # Every operation got past authentication at least once (not only 401s and 405s).
    assert set(tally.answered) == operations
    assert tally.server_errors == 0, summary
    assert not [s for s in raw if s >= 500], summary
    assert unexpected == [], "\n".join(unexpected[:10])
    assert stateful[201] > 0 and stateful[200] > 0, "the sequences never created or released anything"
    assert tally.failures == [], "\n".join(tally.failures[:20])
    assert tally.errors == [], "\n".join(tally.errors[:10])
    assert "Traceback (most recent call last)" not in log, log[-4000:]
    for secret in (ADMIN_TOKEN, READ_TOKEN, STORE_TOKEN, TILL_TOKEN):
        assert secret not in log, "a token reached the daemon's log"
    assert peak < RSS_LIMIT_KIB, summary
