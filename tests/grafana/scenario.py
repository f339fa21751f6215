"""One real daemon feeding InfluxDB 1.6, VictoriaMetrics and a PostgreSQL state store.

The daemon probes a real snmpd (IF-MIB from the controlled agent, HOST-RESOURCES,
UPS-MIB scalars set with ``override``), a real sshd (log files that gain matching
lines, two backup directories), TCP listeners and 127.0.0.1 by ICMP; two stores'
tills send heartbeats over HTTP; an aiohttp HTTPS site (certificate from a test CA) is
checked by the http and tls kinds and the suite's DNS server by the dns kind; net-snmp's
snmptrap and snmpinform send traps to the trap receiver. A second,
real ``InfluxSink`` in v2 mode writes the same results to VictoriaMetrics, as an
installation using VictoriaMetrics would. Two tickets are opened (tcp targets down); one
is acknowledged, repaired
and closed, so every dashboard panel has something to show.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gzip
import hashlib
import json
import os
import socket
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client import CollectorRegistry

from monitord import services
from monitord.config.influx import InfluxConfig
from monitord.daemon import Daemon
from monitord.intake.syslog.service import SyslogService
from monitord.runtime import Runtime
from monitord.sinks.influx.sink import InfluxSink
from tests.alerts.harness import Listener  # ports below the ephemeral range: no self-connects
from tests.daemon_harness import ADMIN_TOKEN, auth, base_config, running_daemon, url
from tests.eventually import eventually as _eventually
from tests.icmp.dns_server import ZoneSigner, dns_zone
from tests.intake.traps.netsnmp import COLD_START, UPS_ON_BATTERY, WARM_START, inform_v2c, trap_v2c
from tests.servers.certificates import Pki
from tests.servers.influxdb import InfluxServer
from tests.servers.processes import free_port
from tests.servers.snmpd import SnmpdServer
from tests.servers.sshd import SshdServer
from tests.servers.tls_web import TlsWeb
from tests.servers.victoria import VictoriaServer

# The scenario waits on real servers (InfluxDB, VictoriaMetrics, snmpd): a longer default.
eventually = functools.partial(_eventually, timeout=60.0, every=0.2)

STORE_TOKEN = "grafana-store-a-token-0123456789"
OTHER_TOKEN = "grafana-store-b-token-0123456789"
# UPS-MIB (RFC 1628) scalars the Devices dashboard reads through the documented ``ups``
# custom profile: name -> (OID, snmpd ``override`` type, value).
UPS_OIDS = {
    "battery_status": (".1.3.6.1.2.1.33.1.2.1.0", "integer", 2),
    "on_battery_s": (".1.3.6.1.2.1.33.1.2.2.0", "integer", 0),
    "battery_minutes_left": (".1.3.6.1.2.1.33.1.2.3.0", "integer", 42),
    "battery_charge_pct": (".1.3.6.1.2.1.33.1.2.4.0", "integer", 97),
    "battery_temperature_c": (".1.3.6.1.2.1.33.1.2.7.0", "integer", 31),
}
UPS_PROFILE = [{"name": name, "oid": oid} for name, (oid, _, _) in UPS_OIDS.items()]
# hrProcessorLoad is a one-minute average: snmpd serves it only after sampling for a
# minute, so the scenario fixes it (two CPUs, 12 % and 30 %).
CPU_LOADS = {".1.3.6.1.2.1.25.3.3.1.2.196608": 12, ".1.3.6.1.2.1.25.3.3.1.2.196609": 30}


class DeviceSnmpd(SnmpdServer):
    """The controlled-IF-MIB snmpd plus fixed UPS-MIB battery values and CPU loads."""

    def _write_conf(self) -> None:
        super()._write_conf()
        lines = [f"override {oid} {kind} {value}" for oid, kind, value in UPS_OIDS.values()]
        lines += [f"override {oid} integer {load}" for oid, load in CPU_LOADS.items()]
        with self.conf.open("a") as conf:
            conf.write("\n".join(lines) + "\n")


def interfaces(step: int) -> list[dict[str, Any]]:
    """IF-MIB after ``step`` counter updates: an uplink carrying traffic, a till port that is
    described but down, and an access port whose error and discard counters grow."""
    return [
        {
            "index": 1,
            "name": "Gi0/1",
            "descr": "GigabitEthernet0/1",
            "alias": "uplink",
            "speed_mbps": 1000,
            "in_octets": 10_000_000 + step * 2_500_000,
            "out_octets": 20_000_000 + step * 1_200_000,
            "in_ucast": 1000 + step * 4000,
            "out_ucast": 2000 + step * 3000,
        },
        {
            "index": 2,
            "name": "Gi0/2",
            "descr": "GigabitEthernet0/2",
            "alias": "pos-till-1",
            "speed_mbps": 100,
            "oper": 2,
            "hc": False,
            "in_octets": 500,
            "out_octets": 700,
        },
        {
            "index": 3,
            "name": "Gi0/3",
            "descr": "GigabitEthernet0/3",
            "alias": "",
            "speed_mbps": 100,
            "hc": False,
            "in_octets": 4000 + step * 90_000,
            "out_octets": 9000 + step * 60_000,
            "in_ucast": 10 + step * 100,
            "out_ucast": 20 + step * 80,
            "in_errors": step * 7,
            "out_errors": step * 2,
            "in_discards": step * 3,
            "out_discards": step,
        },
    ]


@dataclass
class Fed:
    """Where the scenario's data is, for the panel tests."""

    influx: InfluxServer
    database: str
    victoria: VictoriaServer
    postgres_dsn: str  # host:port/database for asyncpg
    started: float
    finished: float


def write_backup(directory: Path, name: str, size: int, age_s: float) -> None:
    """A gzip backup of about ``size`` bytes with its .sha256 file, ``age_s`` old."""
    path = directory / name
    path.write_bytes(gzip.compress(os.urandom(size), compresslevel=0))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    (directory / f"{name}.sha256").write_text(f"{digest}  {name}\n")
    stamp = time.time() - age_s
    os.utime(path, (stamp, stamp))


def ssh_settings(sshd: SshdServer) -> dict[str, Any]:
    return {
        "port": sshd.port,
        "username": sshd.user,
        "client_keys": [str(sshd.client_key)],
        "known_hosts": str(sshd.known_hosts),
        "connect_timeout": "5s",
    }


@dataclass
class Services:
    """The http, tls and dns kinds' peers: an HTTPS site (certificate from a test CA) and a DNS zone."""

    site: TlsWeb
    ca: Path
    dns_port: int
    trust_anchor: str


def service_targets(services: Services) -> list[dict[str, Any]]:
    """An https check (``http`` and ``tls`` measurements), a tls check of the same listener, a query."""
    return [
        {
            "name": "webshop",
            "address": "127.0.0.1",
            "site": "head-office",
            "probes": {
                "http": {
                    "url": services.site.url("/redirect"),
                    "ca_file": str(services.ca),
                    "body_match": "nominal",
                    "interval": "500ms",
                    "timeout": "2s",
                },
                "tls": {
                    "port": services.site.port,
                    "ca_file": str(services.ca),
                    "interval": "500ms",
                    "timeout": "2s",
                },
            },
        },
        {
            "name": "ns1",
            "address": "127.0.0.1",
            "site": "head-office",
            "probes": {
                "dns": {
                    "port": services.dns_port,
                    "query_name": "erp.corp.example",
                    "expected_answers": ["192.0.2.10"],
                    "dnssec": "validate",
                    "trust_anchors": [services.trust_anchor],
                    "interval": "500ms",
                    "timeout": "1s",
                }
            },
        },
    ]


def document(
    state_dir: Path,
    *,
    influx_url: str,
    database: str,
    state_url: str,
    snmpd: SnmpdServer,
    sshd: SshdServer,
    files: Path,
    web: Listener,
    till_service: Listener,
    router: Listener,
    services: Services,
) -> dict[str, Any]:
    ssh = ssh_settings(sshd)
    dead_snmp_port = free_port(kind=2)
    targets = [
        {
            "name": "core-switch",
            "address": "127.0.0.1",
            "site": "head-office",
            "criticality": "urgent",
            "probes": {
                "icmp": {
                    "interval": "1s",
                    "timeout": "900ms",
                    "count": 2,
                    "echo_interval": "100ms",
                    "echo_timeout": "300ms",
                },
                "snmp": {
                    "port": snmpd.port,
                    "interval": "1s",
                    "timeout": "900ms",
                    "request_timeout": "300ms",
                    "retries": 1,
                    "profiles": ["system", "interfaces", "host", "ups"],
                    "custom_profiles": {"ups": UPS_PROFILE},
                },
            },
        },
        {
            "name": "store-b-switch",
            "address": "127.0.0.1",
            "site": "store-b",
            "probes": {
                "snmp": {
                    "port": dead_snmp_port,
                    "interval": "1s",
                    "timeout": "900ms",
                    "request_timeout": "200ms",
                    "retries": 0,
                }
            },
        },
        {
            "name": "erp-db",
            "address": "127.0.0.1",
            "site": "head-office",
            "criticality": "urgent",
            "probes": {
                "ssh_log": {
                    **ssh,
                    "interval": "1s",
                    "timeout": "10s",
                    "files": [str(files / "syslog")],
                    "start_at": "beginning",
                },
                "backup": {
                    **ssh,
                    "interval": "1s",
                    "timeout": "10s",
                    "directory": str(files / "erp"),
                    "pattern": "erp-*.dump.gz",
                    "max_age": "1h",
                    "checksum": "sha256",
                    "verify_command": ["gzip", "-t", "{path}"],
                },
            },
        },
        {
            "name": "fileserver",
            "address": "127.0.0.1",
            "site": "store-a",
            "probes": {
                "ssh_log": {
                    **ssh,
                    "interval": "1s",
                    "timeout": "10s",
                    "files": [str(files / "messages")],
                    "start_at": "beginning",
                },
                "backup": {
                    **ssh,
                    "interval": "1s",
                    "timeout": "10s",
                    "directory": str(files / "files"),
                    "pattern": "files-*.tar.gz",
                    "max_age": "1h",
                    "max_shrink": 0.2,
                },
            },
        },
        {
            "name": "intranet",
            "address": "127.0.0.1",
            "site": "head-office",
            "criticality": "urgent",
            "probes": {"tcp": {"port": web.port, "interval": "500ms", "timeout": "1s"}},
        },
        {
            "name": "store-a-pos-service",
            "address": "127.0.0.1",
            "site": "store-a",
            "criticality": "urgent",
            "probes": {"tcp": {"port": till_service.port, "interval": "500ms", "timeout": "1s"}},
        },
        {
            "name": "store-a-router",
            "address": "127.0.0.1",
            "site": "head-office",
            "probes": {"tcp": {"port": router.port, "interval": "500ms", "timeout": "1s"}},
        },
        *service_targets(services),
    ]
    rules = [
        {
            "name": "service-down",
            "kind": "tcp",
            "condition": "down",
            "for": "0s",
            "clear_for": "0s",
            "severity": "critical",
            "summary": "{target} port {port} down: {reason}",
        },
        {
            "name": "pos-store-down",
            "kind": "pos_store",
            "condition": "down",
            "for": "0s",
            "clear_for": "0s",
            "severity": "critical",
            "summary": "{target}: {reason}",
        },
    ]
    return base_config(
        state_dir,
        storage={
            "state_url": state_url,
            "influxdb": {
                "url": influx_url,
                "api": "v1",
                "database": database,
                "retry_initial": "100ms",
                "retry_max": "500ms",
            },
        },
        sites={
            "head-office": {"timezone": "Europe/Berlin"},
            "store-a": {"timezone": "Europe/Berlin", "parent": "store-a-router"},
            "store-b": {"timezone": "Europe/Berlin"},
        },
        targets=targets,
        alerts={"default_rules": False, "rules": rules, "evaluation_interval": "0.2s"},
        # The servers also push syslog (by HOSTNAME: everything here comes from 127.0.0.1).
        syslog={"udp": {"listen": "127.0.0.1:0"}, "match": ["hostname", "address"], "interval": "500ms"},
        snmp_traps={
            "enabled": True,
            "listen": ["127.0.0.1:0"],
            "communities": ["public"],
            "rules": [{"name": "ups-on-battery", "oids": [UPS_ON_BATTERY], "severity": "critical"}],
            "end_after": "1s",
        },
        pos={
            "interval": "1s",
            "missed_intervals": 2,
            "down_terminals": 2,
            "evaluate_every": "100ms",
            "hours": {"mon-sun": "00:00-24:00"},
            "stores": {
                "store-a": {"token": STORE_TOKEN, "terminals": {"a1": {}, "a2": {}, "a3": {}}},
                "store-b": {"token": OTHER_TOKEN, "terminals": {"b1": {}}},
            },
        },
    )


@contextlib.contextmanager
def victoria_sink(victoria: VictoriaServer, state_dir: Path) -> Any:
    """While active, every daemon started also writes through a second InfluxSink (v2 API) to
    VictoriaMetrics: the real sink, fed by the real bus, as with ``storage.influxdb.api: v2``."""
    config = InfluxConfig.model_validate(
        {
            "url": victoria.url,
            "api": "v2",
            "bucket": "monitord",
            "retry_initial": 0.1,
            "retry_max": 0.5,
            "spool_fsync": False,
        }
    )

    def factory(_runtime: Runtime) -> InfluxSink:
        sink = InfluxSink(config, state_dir / "victoria", CollectorRegistry())
        sink.name = "victoriametrics"
        return sink

    services.SINK_FACTORIES.append(factory)
    try:
        yield
    finally:
        services.SINK_FACTORIES.remove(factory)


async def _api(
    session: aiohttp.ClientSession,
    daemon: Daemon,
    method: str,
    path: str,
    body: Any = None,
    token: str = ADMIN_TOKEN,
) -> tuple[int, Any]:
    async with session.request(method, url(daemon, path), json=body, headers=auth(token)) as response:
        return response.status, await response.json(content_type=None)


async def _tills(session: aiohttp.ClientSession, daemon: Daemon, stop: asyncio.Event) -> None:
    """Tills a1 and a2 beat every 300 ms; a3 beats a few times, then goes dark; b1 never beats."""
    sent = 0
    while not stop.is_set() and sent < 2000:
        for terminal in ("a1", "a2", "a3") if sent < 5 else ("a1", "a2"):
            body = {
                "terminal": terminal,
                "store": "store-a",
                "version": "pos-7.2",
                "status": {
                    "queue_length": sent % 4,
                    "printer": "ok",
                    "last_transaction": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                },
            }
            async with session.post(
                url(daemon, "/api/v1/pos/heartbeat"), json=body, headers=auth(STORE_TOKEN)
            ) as response:
                assert response.status == 200, await response.text()
        sent += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.3)


def _syslog_port(daemon: Daemon) -> int:
    service = next(s for s in daemon.services if isinstance(s, SyslogService))
    return service.port("udp")


async def _traffic(snmpd: SnmpdServer, files: Path, stop: asyncio.Event, syslog_port: int) -> None:
    """Counters grow, log lines arrive and servers push syslog while the daemon polls."""
    step = 0
    pusher = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    while not stop.is_set() and step < 2000:
        step += 1
        for datagram in (
            f"<11>1 - erp-db app - - - ERROR request {step} failed",
            f"<10>Dec  1 08:00:00 erp-db kernel: EXT4-fs error (device sda1) {step}",
            "<30>Dec  1 08:00:00 fileserver smbd: share served",
        ):
            pusher.sendto(datagram.encode(), ("127.0.0.1", syslog_port))
        snmpd.set_interfaces(interfaces(step))
        with (files / "syslog").open("a") as log:
            log.write(
                f"kernel: Out of memory: Killed process {step}\napp: ERROR request {step} failed\n"
                "app: request served\n"
            )
        with (files / "messages").open("a") as log:
            log.write(f"smbd: error reading share {step}\nsmbd: ok\n")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)
    pusher.close()


def _prepare_files(files: Path) -> None:
    for name in ("erp", "files"):
        (files / name).mkdir(mode=0o755)
    (files / "syslog").write_text("kernel: boot\n")
    (files / "messages").write_text("smbd: started\n")
    write_backup(files / "erp", "erp-2026-01-01.dump.gz", 60_000, 600)
    write_backup(files / "erp", "erp-2026-01-02.dump.gz", 64_000, 300)
    # fileserver: the newest backup shrank by half and is older than max_age: stale and shrunk.
    write_backup(files / "files", "files-2026-01-01.tar.gz", 80_000, 3 * 3600)
    write_backup(files / "files", "files-2026-01-02.tar.gz", 40_000, 2 * 3600)
    for path in files.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


MEASUREMENTS = (
    "tcp",
    "icmp",
    "snmp_system",
    "snmp_interface",
    "snmp_storage",
    "log",
    "backup",
    "pos",
    "http",
    "tls",
    "dns",
    "syslog",
)


def _same_counts(influx: InfluxServer, database: str, victoria: VictoriaServer) -> bool:
    """Both sinks were fed the same results: once VictoriaMetrics has made them all searchable,
    it counts as many ``up`` samples per measurement as InfluxDB."""
    urllib.request.urlopen(f"{victoria.url}/internal/force_flush", timeout=10).close()
    for measurement in MEASUREMENTS:
        rows = influx.query(database, f'SELECT count("up") FROM "{measurement}"')
        in_influx = rows[0]["values"][0][1] if rows else 0
        query = urllib.parse.urlencode(
            {"query": f"sum(count_over_time({measurement}_up[1h]))", "time": f"{time.time():.3f}"}
        )
        with urllib.request.urlopen(f"{victoria.url}/api/v1/query?{query}", timeout=10) as response:
            result = json.loads(response.read())["data"]["result"]
        in_victoria = int(float(result[0]["value"][1])) if result else 0
        if not in_influx or in_influx != in_victoria:
            return False
    return True


def _influx_has(influx: InfluxServer, database: str, query: str) -> bool:
    return bool(influx.query(database, query))


async def run(
    *,
    influx: InfluxServer,
    victoria: VictoriaServer,
    postgres: str,
    snmpd: SnmpdServer,
    sshd: SshdServer,
    files: Path,
    state_dir: Path,
) -> Fed:
    """Run the scenario to completion and return where its data is."""
    database = f"grafana_{uuid.uuid4().hex[:8]}"
    await asyncio.to_thread(influx.create_database, database)
    pg_database = f"grafana_{uuid.uuid4().hex[:8]}"
    await _create_pg_database(postgres, pg_database)
    _prepare_files(files)
    web, till_service, router = Listener(), Listener(), Listener()
    await web.open()
    await router.open()
    pki = Pki(state_dir.parent / "pki")
    site = TlsWeb(pki.leaf("webshop", days=45))
    await site.up()
    async with dns_zone() as (zone, dns_port):
        zone.records[("erp.corp.example", "A")] = ("192.0.2.10", 60)
        zone.signer = ZoneSigner("corp.example")
        services = Services(site=site, ca=pki.ca, dns_port=dns_port, trust_anchor=zone.signer.ds())
        doc = document(
            state_dir,
            influx_url=influx.url,
            database=database,
            state_url=f"postgresql+asyncpg://postgres@{postgres}/{pg_database}",
            snmpd=snmpd,
            sshd=sshd,
            files=files,
            web=web,
            till_service=till_service,
            router=router,
            services=services,
        )
        try:
            started = await _feed(doc, influx, database, victoria, snmpd, files, state_dir, till_service)
        finally:
            await site.down()
    await till_service.close()
    await web.close()
    await router.close()
    await eventually(
        lambda: asyncio.to_thread(_same_counts, influx, database, victoria),
        "VictoriaMetrics holding every point InfluxDB holds",
        timeout=30,
    )
    return Fed(
        influx=influx,
        database=database,
        victoria=victoria,
        postgres_dsn=f"{postgres}/{pg_database}",
        started=started,
        finished=time.time(),
    )


async def _feed(
    doc: dict[str, Any],
    influx: InfluxServer,
    database: str,
    victoria: VictoriaServer,
    snmpd: SnmpdServer,
    files: Path,
    state_dir: Path,
    till_service: Listener,
) -> float:
    """Run the daemon until every dashboard has something to show; returns when it started."""
    started = time.time()
    stop = asyncio.Event()
    with victoria_sink(victoria, state_dir):
        async with (
            running_daemon(doc) as daemon,
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
        ):
            background = [
                asyncio.create_task(_tills(session, daemon, stop)),
                asyncio.create_task(_traffic(snmpd, files, stop, _syslog_port(daemon))),
            ]
            try:
                await _traps(daemon, influx, database)
                await _tickets(session, daemon, till_service)
                await eventually(
                    lambda: asyncio.to_thread(
                        _influx_has,
                        influx,
                        database,
                        'SELECT count("in_errors_per_s") FROM "snmp_interface" WHERE "ifName" = \'Gi0/3\'',
                    ),
                    "interface error rates in InfluxDB",
                )
                await eventually(
                    lambda: asyncio.to_thread(
                        _influx_has,
                        influx,
                        database,
                        'SELECT last("up") FROM "pos" WHERE "store" = \'store-b\' AND "terminal" = \'\' '
                        'AND "up" = 0',
                    ),
                    "store-b down in InfluxDB",
                )
                await eventually(
                    lambda: asyncio.to_thread(
                        _influx_has,
                        influx,
                        database,
                        'SELECT last("state") FROM "pos" WHERE "terminal" = \'a3\' AND "state" = \'down\'',
                    ),
                    "till a3 down in InfluxDB",
                )
                for measurement, field in (
                    ("http", "tls_ms"),
                    ("tls", "connect_ms"),
                    ("dns", "latency_ms"),
                    ("syslog", "rule_disk_io"),
                ):
                    await eventually(
                        lambda m=measurement, f=field: asyncio.to_thread(
                            _influx_has, influx, database, f'SELECT count("{f}") FROM "{m}"'
                        ),
                        f"{measurement} results in InfluxDB",
                    )
            finally:
                stop.set()
                await asyncio.gather(*background)
    return started


async def _traps(daemon: Daemon, influx: InfluxServer, database: str) -> None:
    """net-snmp's snmptrap/snmpinform to the receiver: every snmp_trap field gets written, the
    rule trap's ``active`` 1 and, a second later, its 0."""
    service = next(s for s in daemon.services if s.name == "snmp_traps")
    port = service.listener.ports[0]  # type: ignore[attr-defined]
    assert (await trap_v2c(port, COLD_START))[0] == 0
    assert (await inform_v2c(port, WARM_START))[0] == 0  # not linkDown: no made-up interface rows
    assert (await trap_v2c(port, UPS_ON_BATTERY, ["1.3.6.1.4.1.318.2.1.1", "s", "on battery"]))[0] == 0
    await eventually(
        lambda: asyncio.to_thread(
            _influx_has, influx, database, 'SELECT count("active") FROM "snmp_trap" WHERE "active" = 0'
        ),
        "a trap alert ended in InfluxDB",
    )


async def _tickets(session: aiohttp.ClientSession, daemon: Daemon, till_service: Listener) -> None:
    """store-a-pos-service is down from the start: its ticket is acknowledged; the service comes
    back (the ticket resolves) and the ticket is closed with a root cause. The store-b ticket
    (no till heartbeats) stays open, its alert firing."""

    async def ticket_of(target: str) -> dict[str, Any] | None:
        status, body = await _api(session, daemon, "GET", "/api/v1/tickets")
        assert status == 200, body
        return next((t for t in body["tickets"] if t["target"] == target), None)

    pos_ticket = await eventually(
        lambda: ticket_of("store-a-pos-service"), "a ticket for store-a-pos-service"
    )
    status, body = await _api(session, daemon, "POST", f"/api/v1/tickets/{pos_ticket['id']}/ack", {})
    assert status == 200, body
    await till_service.open()

    async def resolved() -> bool:
        found = await ticket_of("store-a-pos-service")
        return found is not None and found["status"] == "resolved"

    await eventually(resolved, "the store-a-pos-service ticket resolved")
    status, body = await _api(
        session,
        daemon,
        "POST",
        f"/api/v1/tickets/{pos_ticket['id']}/close",
        {"root_cause": "POS service restarted after an update"},
    )
    assert status == 200, body
    await eventually(lambda: ticket_of("store-b"), "a ticket for store-b")


async def _create_pg_database(postgres: str, name: str) -> None:
    import asyncpg

    host, port = postgres.split(":")
    admin = await asyncpg.connect(host=host, port=int(port), user="postgres", database="postgres", timeout=10)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
