"""Silence matchers: Alertmanager's exact grammar, RE2 patterns, and no ReDoS on a real daemon."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from alerts.matchers import parse_matcher
from alerts.silences import Silence, SilenceSpec
from monitord.daemon import Daemon
from tests.alerts.harness import (
    DOWN_RULE,
    Listener,
    api,
    config_doc,
    running,
    tcp_target,
    wait_probed,
    wait_until,
)
from tests.servers.receiver import Receiver

ENDS = (datetime.now(UTC) + timedelta(minutes=10)).isoformat()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("site==store-0001", "'site==store-0001': unknown operator '==' at position 4 (use =, !=, =~ or !~)"),
        ("site =! x", "'site =! x': unknown operator '=!' at position 5 (use =, !=, =~ or !~)"),
        ("site~=x", "'site~=x': unknown operator '~=' at position 4 (use =, !=, =~ or !~)"),
        ("site<>x", "'site<>x': unknown operator '<>' at position 4 (use =, !=, =~ or !~)"),
        ("just-text", "'just-text': expected an operator (=, !=, =~ or !~) at position 9"),
        (
            "=x",
            "'=x': expected a label name at position 0 (use label=value, label!=value, label=~regex "
            "or label!~regex)",
        ),
        ('site="abc', "'site=\"abc': unterminated or invalid quoted value at position 5"),
        ("site=a\x00b", "'site=a\\x00b': control character at position 6"),
    ],
)
def test_matcher_grammar_is_exact_and_names_the_position(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_matcher(text)
    assert str(caught.value) == message


@pytest.mark.parametrize("pattern", ["(a)\\1", "a(?=b)", "a(?!b)", "(?<=a)b", "(?<!a)b"])
def test_backreferences_and_lookaround_are_refused_saying_re2(pattern: str) -> None:
    with pytest.raises(ValueError, match=r"bad regular expression: .*RE2 syntax"):
        parse_matcher(f"rule=~{pattern}")


def test_operators_quoting_and_round_trip() -> None:
    labels = {"site": "store-1", "target": "till-4", "rule": "host-down", "odd": "=x"}
    cases = {
        "site=store-1": True,
        "site!=store-1": False,
        "target=~till-[0-9]+": True,
        "target=~till": False,  # anchored at both ends, as in Alertmanager
        "target!~pos-.*": True,
        'odd="=x"': True,
        "missing=": True,
        "missing=~.+": False,
        ' site = "store-1" ': True,
    }
    for text, expected in cases.items():
        matcher = parse_matcher(text)
        assert matcher.matches(labels) is expected, text
        assert parse_matcher(str(matcher)) == matcher, text
    silence = Silence.from_spec(
        SilenceSpec(matchers=['odd="=x"'], ends_at=datetime.now(UTC) + timedelta(hours=1)),
        created_by="t",
        source="api",
    )
    assert silence.spec().matchers == ['odd="=x"']


async def test_api_refuses_a_silence_typo_naming_the_matcher_and_position(
    tmp_path: Path, receiver: Receiver, listeners: Callable[[], Listener]
) -> None:
    service = listeners()
    await service.open()
    doc = config_doc(tmp_path, [tcp_target("till-1", service.port, site="store-0001")], receiver.url())
    async with running(doc) as daemon:
        status, error = await api(
            daemon,
            "POST",
            "/api/v1/silences",
            json={"matchers": ["target=till-1", "site==store-0001"], "ends_at": ENDS},
        )
        assert status == 422, error
        assert error["field"] == "matchers[1]"
        assert "'site==store-0001': unknown operator '==' at position 4" in error["error"]
        status, error = await api(
            daemon, "POST", "/api/v1/silences", json={"matchers": ["rule=~(x)\\1"], "ends_at": ENDS}
        )
        assert status == 422 and error["field"] == "matchers[0]" and "RE2 syntax" in error["error"]
        status, error = await api(
            daemon,
            "POST",
            "/api/v1/silences",
            json={"matchers": ["target=till-1"], "ends_at": ENDS, "comment": "till\u0000 swap"},
        )
        assert status == 422 and error["field"] == "comment", error
        status, error = await api(
            daemon,
            "POST",
            "/api/v1/silences",
            json={"matchers": ["target=till-1"], "ends_at": "2000-01-01T00:00:00Z"},
        )
        assert status == 422 and error["field"] == "ends_at" and "has passed" in error["error"], error
        _, listed = await api(daemon, "GET", "/api/v1/silences")
        assert listed["silences"] == []


async def _healthz_seconds(daemon: Daemon) -> float:
    url = f"http://127.0.0.1:{daemon.http_port}/healthz"
    begin = time.perf_counter()
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, timeout=aiohttp.ClientTimeout(total=60)) as response,
    ):
        await response.read()
    return time.perf_counter() - begin


async def test_catastrophic_pattern_in_a_silence_does_not_stall_the_daemon(
    tmp_path: Path, receiver: Receiver, listeners: Callable[[], Listener]
) -> None:
    """Issue 13 finding 1: ``rule=~(.*){13}X`` with an alert firing made /healthz take 2-13 s
    and a healthy target's probe time out (a false urgent ticket)."""
    broken, healthy = listeners(), listeners()
    await healthy.open()
    doc = config_doc(
        tmp_path,
        [
            tcp_target("nas-1", broken.port, site="head-office"),
            tcp_target("core-switch", healthy.port, site="head-office"),
        ],
        receiver.url(),
        rules=[{**DOWN_RULE, "name": "tcp-service-down"}],
    )
    async with running(doc) as daemon:
        await wait_probed(daemon, "core-switch", up=True)

        async def firing() -> bool:
            _, body = await api(daemon, "GET", "/api/v1/alerts?status=firing")
            return [a["target"] for a in body["alerts"]] == ["nas-1"]

        await wait_until(firing, 60, "nas-1 to fire")
        status, silence = await api(
            daemon,
            "POST",
            "/api/v1/silences",
            json={"matchers": ["rule=~(.*){13}X"], "ends_at": ENDS, "comment": "ReDoS attempt"},
        )
        assert status == 201, silence
        # Long enough for several evaluation rounds (0.2 s) and probe runs (0.25 s) of the
        # healthy target, each of which ran the pattern on the loop before the fix.
        latencies = []
        for _ in range(15):
            latencies.append(await _healthz_seconds(daemon))
            if latencies[-1] >= 2.0:
                break
            await asyncio.sleep(0.2)
        await wait_probed(daemon, "core-switch", up=True)
        print(
            f"/healthz with a (.*){{13}}X silence: max {max(latencies) * 1000:.1f} ms "
            f"over {len(latencies)} requests"
        )
        assert max(latencies) < 2.0, latencies
        _, body = await api(daemon, "GET", "/api/v1/tickets")
        assert [t["target"] for t in body["tickets"]] == ["nas-1"]


async def test_saved_silence_the_strict_grammar_refuses_does_not_stop_a_restart(
    tmp_path: Path, receiver: Receiver, listeners: Callable[[], Listener], caplog: pytest.LogCaptureFixture
) -> None:
    """A silence saved before matchers became strict (``site==x`` was accepted) is skipped with
    one warning at start; the daemon starts and the row is kept for the admin to delete."""
    from sqlalchemy import select, update

    from alerts.tables import silences

    service = listeners()
    await service.open()
    doc = config_doc(tmp_path, [tcp_target("till-1", service.port, site="store-0001")], receiver.url())
    async with running(doc) as daemon:
        status, saved = await api(
            daemon, "POST", "/api/v1/silences", json={"matchers": ["site=store-0001"], "ends_at": ENDS}
        )
        assert status == 201
        async with daemon.state_store.engine.begin() as conn:
            await conn.execute(
                update(silences)
                .where(silences.c.id == saved["id"])
                .values(spec={"matchers": ["site==store-0001"], "ends_at": ENDS, "comment": ""})
            )
    async with running(doc) as daemon:
        _, listed = await api(daemon, "GET", "/api/v1/silences")
        assert listed["silences"] == []
        async with daemon.state_store.engine.connect() as conn:
            assert (await conn.execute(select(silences.c.id))).scalars().all() == [saved["id"]]
    warnings = [r.getMessage() for r in caplog.records if "not valid any more" in r.getMessage()]
    assert len(warnings) == 1 and saved["id"] in warnings[0] and "unknown operator '=='" in warnings[0]
