"""The receivers' shared UDP bind: a taken port stops start-up naming the setting."""

from __future__ import annotations

import socket

import pytest

from monitord.errors import StartupError
from monitord.udp_listener import bind_udp


def test_binds_non_blocking_with_the_host() -> None:
    sock, host = bind_udp("127.0.0.1:0", 65536, "pos.udp.listen")
    try:
        assert host == "127.0.0.1" and sock.family == socket.AF_INET and not sock.getblocking()
    finally:
        sock.close()


def test_a_taken_port_names_the_field() -> None:
    taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    taken.bind(("127.0.0.1", 0))
    port = taken.getsockname()[1]
    try:
        with pytest.raises(StartupError, match=rf"^syslog\.udp\.listen 127\.0\.0\.1:{port}: "):
            bind_udp(f"127.0.0.1:{port}", 65536, "syslog.udp.listen")
    finally:
        taken.close()


def test_v6only_keeps_ipv4_out() -> None:
    sock, host = bind_udp("[::1]:0", 65536, "snmp_traps.listen", v6only=True)
    try:
        assert host == "::1" and sock.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY) == 1
    finally:
        sock.close()
