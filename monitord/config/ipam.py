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

    subnets: list[Subnet] = Field(default_factory=list)
    interval: PositiveDuration = 3600.0
    stale_after: PositiveDuration = 30 * 86400.0
    timeout: PositiveDuration = 1.0
    count: int = Field(default=2, ge=1, le=10)
    arp: bool = True
    max_addresses: int = Field(default=65536, ge=1, le=1 << 20)

    @field_validator("subnets")
    @classmethod
    def _once(cls, values: list[str]) -> list[str]:
        twice = sorted({value for value in values if values.count(value) > 1})
        if twice:
            raise ValueError(f"listed more than once: {', '.join(twice)}")
        return values


class IpamConfig(Section):
    """IPAM settings (the register itself lives in the state store and is edited over the API)."""

    check_timeout: PositiveDuration = 1.0
    reconcile: ReconcileConfig = Field(default_factory=ReconcileConfig)

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
