"""``ipam:``: IP address management: the ``check`` ping before allocations and reconciliation sweeps."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator

from monitord.config.durations import PositiveDuration, format_duration
from monitord.config.section import Section


def _cidr(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=True))
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a subnet in CIDR form: {exc}") from None


# Checked per entry, so every bad subnet is named (``subnets[2]``) in one run.
Subnet = Annotated[str, AfterValidator(_cidr)]


class ReconcileConfig(Section):
    """Scheduled sweeps comparing the register with what answers on the wire.

    Only the listed subnets are swept (each must also be registered in IPAM);
    a sweep never leaves those CIDRs.
    """

    subnets: list[Subnet] = Field(
        default_factory=list,
        description="The only CIDRs ever swept (no host bits, each once); empty: reconciliation off. "
        "A listed subnet not registered in IPAM is skipped with one warning.",
    )
    interval: PositiveDuration = Field(
        default=3600.0, description="Time between sweeps; the first runs at start-up."
    )
    stale_after: PositiveDuration = Field(
        default=30 * 86400.0,
        description="An allocated address silent this long (since last_seen_at, else created_at) "
        "is flagged stale.",
    )
    timeout: PositiveDuration = Field(default=1.0, description="Echo (and ARP) reply timeout of a sweep.")
    count: int = Field(default=2, ge=1, le=10, description="Echo requests per address per sweep.")
    arp: bool = Field(
        default=True,
        description="Also sweep with ARP (scapy), only where the subnet is on a directly attached, "
        "non-loopback interface; never routed.",
    )
    max_addresses: int = Field(
        default=65536,
        ge=1,
        le=1 << 20,
        description="Above this many assignable addresses only registered ones are pinged "
        "(IPv6 /64s sweep their registered addresses).",
    )

    @field_validator("subnets")
    @classmethod
    def _once(cls, values: list[str]) -> list[str]:
        twice = sorted({value for value in values if values.count(value) > 1})
        if twice:
            raise ValueError(f"listed more than once: {', '.join(twice)}")
        return values


class IpamConfig(Section):
    """IPAM settings (the register itself lives in the state store and is edited over the API)."""

    check_timeout: PositiveDuration = Field(
        default=1.0, description="How long an allocation with check: true waits for echo replies."
    )
    reconcile: ReconcileConfig = Field(
        default_factory=ReconcileConfig, description="Scheduled sweeps of the listed subnets."
    )

    def summary(self) -> list[str]:
        lines = [f"ipam: allocation check ping timeout {format_duration(self.check_timeout)}"]
        sweep = self.reconcile
        if sweep.subnets:
            lines.append(
                f"ipam: reconcile {len(sweep.subnets)} subnets ({', '.join(sweep.subnets[:4])}"
                f"{', ...' if len(sweep.subnets) > 4 else ''}) every {format_duration(sweep.interval)}, "
                f"stale after {format_duration(sweep.stale_after)}, ARP {'on' if sweep.arp else 'off'}"
            )
        else:
            lines.append("ipam: reconciliation off (no ipam.reconcile.subnets)")
        return lines
