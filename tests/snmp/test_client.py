"""The v1/v2c client and the v3 session against a real snmpd: values keep their types,
the three exception values are told apart, request failures are typed."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest

from monitord.snmp.client import SnmpTransport, V2cSession
from monitord.snmp.errors import SnmpAuthError, SnmpError, SnmpErrorStatus, SnmpTimeout
from monitord.snmp.table import walk, walk_columns
from monitord.snmp.v3 import V3Engine, V3Session
from monitord.snmp.values import ValueKind
from tests.servers.processes import free_port
from tests.servers.snmpd import V3_AUTH_KEY, V3_PRIV_KEY, V3_USER, SnmpdServer

pytestmark = pytest.mark.root

SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SYS_NAME = "1.3.6.1.2.1.1.5.0"
NO_SUCH_OBJECT = "1.3.6.1.2.1.1.99.0"  # no object registered there
NO_SUCH_INSTANCE = "1.3.6.1.2.1.1.3.5"  # sysUpTime exists, instance .5 does not
IF_NAME = "1.3.6.1.2.1.31.1.1.1.1"
IF_HC_IN = "1.3.6.1.2.1.31.1.1.1.6"


@pytest.fixture
async def transport() -> AsyncIterator[SnmpTransport]:
    shared = SnmpTransport()
    yield shared
    shared.close()


def session(
    transport: SnmpTransport, server: SnmpdServer, community: str = "public", version: str = "2c"
) -> V2cSession:
    return V2cSession(
        transport,
        socket.AF_INET,
        (server.address, server.port),
        community,
        version=version,
        timeout=0.5,
        retries=1,
    )


async def test_get_keeps_types_and_tells_exception_values_apart(
    snmpd: SnmpdServer, transport: SnmpTransport
) -> None:
    uptime, name, no_object, no_instance = await session(transport, snmpd).get(
        [SYS_UPTIME, SYS_NAME, NO_SUCH_OBJECT, NO_SUCH_INSTANCE]
    )
    assert uptime.kind is ValueKind.TIMETICKS and isinstance(uptime.value, int)
    assert (name.kind, name.as_text()) == (ValueKind.OCTETS, "monitord-test-agent")
    assert (no_object.kind, no_object.missing) == (ValueKind.NO_SUCH_OBJECT, True)
    assert (no_instance.kind, no_instance.missing) == (ValueKind.NO_SUCH_INSTANCE, True)


async def test_get_next_past_the_last_object_is_end_of_mib_view(
    snmpd: SnmpdServer, transport: SnmpTransport
) -> None:
    (end,) = await session(transport, snmpd).get_next(["1.9"])
    assert end.kind is ValueKind.END_OF_MIB_VIEW


async def test_counters_keep_their_width(snmpd: SnmpdServer, transport: SnmpTransport) -> None:
    columns = await walk_columns(session(transport, snmpd), [IF_HC_IN, "1.3.6.1.2.1.2.2.1.10"])
    assert {vb.kind for vb in columns[IF_HC_IN].values()} == {ValueKind.COUNTER64}
    assert {vb.kind for vb in columns["1.3.6.1.2.1.2.2.1.10"].values()} == {ValueKind.COUNTER32}
    assert columns[IF_HC_IN]["1"].value == 1_000_000
    assert "2" not in columns[IF_HC_IN]  # Gi0/2 has no HC counters


async def test_walk_matches_snmpbulkwalk(snmpd: SnmpdServer, transport: SnmpTransport) -> None:
    ours = await walk(session(transport, snmpd), "1.3.6.1.2.1.2.2.1", max_repetitions=7)
    theirs = [
        line.split(" = ")[0].lstrip(".")
        for line in snmpd.cli("snmpbulkwalk", ".1.3.6.1.2.1.2.2.1").stdout.splitlines()
    ]
    assert [vb.oid for vb in ours] == theirs
    assert len(theirs) == 28


async def test_wrong_community_times_out(snmpd: SnmpdServer, transport: SnmpTransport) -> None:
    with pytest.raises(SnmpTimeout, match=r"no response after 2 x 0\.5s"):
        await session(transport, snmpd, community="wrong").get([SYS_UPTIME])
    assert transport.timeouts == 1


async def test_v1_missing_object_is_no_such_name_and_walk_ends_cleanly(
    snmpd: SnmpdServer, transport: SnmpTransport
) -> None:
    v1 = session(transport, snmpd, version="1")
    with pytest.raises(SnmpErrorStatus) as caught:
        await v1.get([SYS_UPTIME, NO_SUCH_OBJECT])
    assert (caught.value.name, caught.value.index, caught.value.oid) == ("noSuchName", 2, NO_SUCH_OBJECT)
    names = await walk(v1, IF_NAME)
    assert [vb.as_text() for vb in names] == ["Gi0/1", "Gi0/2"]
    assert not v1.supports_bulk


async def test_every_session_shares_one_socket_with_a_large_buffer(
    snmpd: SnmpdServer, transport: SnmpTransport
) -> None:
    sessions = [session(transport, snmpd) for _ in range(200)]
    answers = await asyncio.gather(*(s.get([SYS_UPTIME]) for s in sessions))
    assert all(a[0].kind is ValueKind.TIMETICKS for a in answers)
    assert len(transport._endpoints) == 1
    buffer = transport.receive_buffer_bytes()
    assert buffer is not None and buffer >= 4 * 1024 * 1024


async def test_nothing_listening_is_a_timeout(transport: SnmpTransport) -> None:
    dead = V2cSession(
        transport,
        socket.AF_INET,
        ("127.0.0.1", free_port(kind=socket.SOCK_DGRAM)),
        "public",
        timeout=0.2,
        retries=0,
    )
    with pytest.raises(SnmpTimeout):
        await dead.get([SYS_UPTIME])


async def test_v3_auth_priv_and_wrong_key(snmpd: SnmpdServer) -> None:
    engine = V3Engine()
    try:
        good = V3Session(
            engine,
            snmpd.address,
            snmpd.port,
            V3_USER,
            auth_protocol="SHA",
            auth_key=V3_AUTH_KEY,
            priv_protocol="AES",
            priv_key=V3_PRIV_KEY,
            timeout=0.5,
            retries=1,
        )
        uptime, missing = await good.get([SYS_UPTIME, NO_SUCH_OBJECT])
        assert uptime.kind is ValueKind.TIMETICKS
        assert missing.kind is ValueKind.NO_SUCH_OBJECT
        names = await walk(good, IF_NAME)
        assert [vb.as_text() for vb in names] == ["Gi0/1", "Gi0/2"]
        bad = V3Session(
            engine,
            snmpd.address,
            snmpd.port,
            V3_USER,
            auth_protocol="SHA",
            auth_key="not-the-key",
            priv_protocol="AES",
            priv_key=V3_PRIV_KEY,
            timeout=0.5,
            retries=0,
        )
        with pytest.raises(SnmpAuthError, match="authentication failed"):
            await bad.get([SYS_UPTIME])
    finally:
        engine.close()


async def test_closing_the_transport_fails_requests_in_flight_without_cancelling_them() -> None:
    shared = SnmpTransport()
    silent = V2cSession(
        shared, socket.AF_INET, ("127.0.0.1", free_port()), "public", timeout=30.0, retries=0
    )  # nothing listens there: no reply ever comes
    request = asyncio.create_task(silent.get([SYS_UPTIME]))
    for _ in range(200):  # bounded: until the request is in flight
        if shared._pending:
            break
        await asyncio.sleep(0.01)
    assert shared._pending, "the request never went out"
    shared.close()
    with pytest.raises(SnmpError, match="transport closed") as caught:
        await asyncio.wait_for(request, 5)
    assert not isinstance(caught.value, SnmpTimeout)
    assert not request.cancelled()
    assert not shared._pending
