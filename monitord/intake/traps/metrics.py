"""The receiver's Prometheus counters: what came in, what was refused and why, what was dropped."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge


class TrapMetrics:
    """Counters under ``monitord_snmp_traps_*`` (docs/snmp-traps.md lists them)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.received = Counter(
            "monitord_snmp_traps_received",
            "Notifications accepted (credentials valid), by SNMP version and PDU (trap/inform)",
            ["version", "pdu"],
            registry=registry,
        )
        self.acknowledged = Counter(
            "monitord_snmp_traps_informs_acknowledged",
            "Informs answered with a Response PDU",
            registry=registry,
        )
        self.dropped = Counter(
            "monitord_snmp_traps_dropped",
            "Datagrams dropped before decoding: oversized, rate_limited (per sender), queue_full",
            ["reason"],
            registry=registry,
        )
        self.malformed = Counter(
            "monitord_snmp_traps_malformed",
            "Datagrams that are not a readable SNMP notification, by reason",
            ["reason"],
            registry=registry,
        )
        self.refused = Counter(
            "monitord_snmp_traps_refused",
            "Notifications refused: unknown_sender, bad_community, v1/v2c off, or a USM reason "
            "(unknown_user, wrong_digest, decryption_failed, ...)",
            ["reason"],
            registry=registry,
        )
        self.discovery = Counter(
            "monitord_snmp_traps_v3_discovery",
            "SNMPv3 engine-ID discovery and time synchronisation requests answered with a Report",
            registry=registry,
        )
        self.results = Counter(
            "monitord_snmp_traps_results", "Results published to the result bus", registry=registry
        )
        self._depth = Gauge(
            "monitord_snmp_traps_queue_depth", "Datagrams waiting to be decoded", registry=registry
        )

    def watch_queue(self, depth: Callable[[], int]) -> None:
        self._depth.set_function(depth)
