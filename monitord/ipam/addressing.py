"""Parsing what people type (CIDRs, addresses, MACs) into canonical values, or a 4xx naming the field."""

from __future__ import annotations

import re

from netaddr import EUI, AddrFormatError, IPAddress, IPNetwork, mac_unix_expanded

from monitord.errors import RequestError

_MAC_CHARS = re.compile(r"^[0-9A-Fa-f:.\-]+$")


def parse_cidr(text: str, field: str = "cidr") -> IPNetwork:
    """A network in CIDR form with no host bits set (``10.1.2.0/24``, ``2001:db8::/64``)."""
    value = text.strip()
    if "/" not in value:
        raise RequestError(f"{text!r} is not a CIDR (expected e.g. 10.1.2.0/24)", field=field, status=422)
    try:
        network = IPNetwork(value, flags=0)
    except (AddrFormatError, ValueError, TypeError):
        raise RequestError(f"{text!r} is not a valid CIDR", field=field, status=422) from None
    if network.ip != network.network:
        raise RequestError(
            f"{text!r} has host bits set; did you mean {network.cidr}?", field=field, status=422
        )
    return network


def parse_address(text: str, field: str = "address") -> IPAddress:
    """One IPv4 or IPv6 address, strictly (no ``10.1`` shorthand)."""
    value = text.strip()
    try:
        if ":" in value:
            return IPAddress(value, 6)
        if value.count(".") != 3:
            raise ValueError(value)
        return IPAddress(value, 4, flags=0)
    except (AddrFormatError, ValueError, TypeError):
        raise RequestError(f"{text!r} is not a valid IP address", field=field, status=422) from None


def canonical(address: IPAddress | int, version: int | None = None) -> str:
    """The one text form stored and compared (``2001:db8::1``, never ``2001:DB8:0::1``)."""
    if isinstance(address, int):
        return str(IPAddress(address, version))
    return str(address)


def sort_key(value: int, version: int) -> str:
    """Text that sorts like the address (``"10.0.0.9"`` < ``"10.0.0.10"``), IPv4 before IPv6."""
    return f"{version}{value:032x}"


def normalize_mac(text: str, field: str = "mac") -> str:
    """A MAC address as ``aa:bb:cc:dd:ee:ff`` from any common spelling."""
    value = text.strip()
    if not _MAC_CHARS.match(value):
        raise RequestError(f"{text!r} is not a valid MAC address", field=field, status=422)
    try:
        eui = EUI(value, version=48, dialect=mac_unix_expanded)
    except (AddrFormatError, ValueError, TypeError):
        raise RequestError(f"{text!r} is not a valid MAC address", field=field, status=422) from None
    return str(eui)
