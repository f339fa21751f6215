"""Binding the UDP sockets the receivers listen on (POS heartbeats, syslog, SNMP traps).

Each receiver reads its socket from the event loop's reader callback; what they
share is opening it: the address family from the listen text, a receive buffer
to absorb bursts, and a bind failure that stops start-up with a message naming
the configuration field.
"""

from __future__ import annotations

import socket

from monitord.config.http import split_listen
from monitord.errors import StartupError


def bind_udp(
    listen: str, buffer_bytes: int, field: str, *, v6only: bool = False
) -> tuple[socket.socket, str]:
    """A non-blocking UDP socket bound to ``listen`` (``host:port``, ``[v6]:port``) and its host.

    ``field`` names the setting in the error (``pos.udp.listen``); ``v6only`` keeps an
    IPv6 socket from taking IPv4 traffic as well.
    """
    host, port = split_listen(listen)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, buffer_bytes)
        if v6only and family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        hint = " (ports below 1024 need CAP_NET_BIND_SERVICE)" if port < 1024 else ""
        raise StartupError(f"{field} {listen}: {exc.strerror or exc}{hint}") from exc
    sock.setblocking(False)
    return sock, host
