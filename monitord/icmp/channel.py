"""One ICMP socket per address family and the table of echoes in flight on it.

A ``Channel`` sends echo requests, reads whatever the kernel queues (in one
reader callback that drains the socket), and settles the matching pending echo:
identifier (raw sockets only: a ping socket's identifier belongs to the kernel),
sequence, token and address must all agree, so stray and forged replies fall through.
Receive times are the kernel's (``SO_TIMESTAMPNS``), so a busy event loop does
not inflate round-trip times.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import socket
import struct
import time
from typing import Any, Protocol

from monitord.icmp import packets
from monitord.icmp.sockets import IP_RECVERR, IPV6_RECVERR, SO_TIMESTAMPNS, IcmpSocket

log = logging.getLogger("monitord.icmp")

_TIMESPEC = struct.Struct("@qq")
_EXTENDED_ERR = struct.Struct("@IBBBBII")
_SO_EE_ORIGIN_ICMP = 2
_SO_EE_ORIGIN_ICMP6 = 3
_DRAIN_LIMIT = 8192
_ANCILLARY = 256


class EchoOwner(Protocol):
    """The batch an echo belongs to; told once per echo how it ended."""

    def settle(self, slot: int, rtt_ms: float | None, error: str | None) -> None: ...


class Pending:
    """One echo in flight."""

    __slots__ = ("address", "owner", "sent_ns", "slot", "token")

    def __init__(self, owner: EchoOwner, slot: int, address: str, token: bytes, sent_ns: int) -> None:
        self.owner = owner
        self.slot = slot
        self.address = address
        self.token = token
        self.sent_ns = sent_ns


class Channel:
    """The shared socket of one family, its sequence space and its pending echoes."""

    def __init__(self, icmp_socket: IcmpSocket, payload_size: int) -> None:
        self.icmp_socket = icmp_socket
        self.family = icmp_socket.family
        self.sock = icmp_socket.sock
        self.template = packets.EchoTemplate(self.family, payload_size)
        kernel_id = icmp_socket.kernel_identifier
        self.identifier = kernel_id if kernel_id is not None else int.from_bytes(os.urandom(2), "big")
        self.match_identifier = icmp_socket.raw
        self.pending: dict[int, Pending] = {}
        self._next_sequence = int.from_bytes(os.urandom(2), "big")
        self.ignored = 0
        self._loop = asyncio.get_running_loop()
        self._v4 = self.family == socket.AF_INET
        self._reply_type = packets.ICMP_ECHO_REPLY if self._v4 else packets.ICMP6_ECHO_REPLY
        self._ip_header = icmp_socket.has_ip_header
        self._fd = self.sock.fileno()
        self._loop.add_reader(self._fd, self._on_readable)

    def close(self) -> None:
        self._loop.remove_reader(self._fd)
        self.sock.close()
        for pending in list(self.pending.values()):
            pending.owner.settle(pending.slot, None, "engine closed")
        self.pending.clear()

    # -- sending ------------------------------------------------------------------------

    def allocate_sequence(self) -> int | None:
        """A sequence number not in flight, or None when all 65,536 are."""
        pending = self.pending
        if len(pending) >= 65536:
            return None
        sequence = self._next_sequence
        while sequence in pending:
            sequence = (sequence + 1) & 0xFFFF
        self._next_sequence = (sequence + 1) & 0xFFFF
        return sequence

    def send(
        self, owner: EchoOwner, slot: int, address: str, sockaddr: tuple[Any, ...], token: bytes
    ) -> int | None:
        """Send one echo; returns its sequence, or None after settling it as failed."""
        sequence = self.allocate_sequence()
        if sequence is None:
            owner.settle(slot, None, "too many echoes in flight")
            return None
        packet = self.template.build(self.identifier, sequence, token)
        sent_ns = time.time_ns()
        try:
            self.sock.sendto(packet, sockaddr)
        except OSError as exc:
            # EAGAIN/ENOBUFS: the queue is full; the caller's pacing makes this rare,
            # and a lost echo is reported honestly rather than retried late.
            reason = (
                "send queue full"
                if exc.errno in (errno.EAGAIN, errno.ENOBUFS)
                else (f"send failed: {exc.strerror or exc}")
            )
            owner.settle(slot, None, reason)
            return None
        self.pending[sequence] = Pending(owner, slot, address, token, sent_ns)
        return sequence

    def expire(self, sequence: int, owner: EchoOwner) -> None:
        """The batch deadline passed: an echo still pending for ``owner`` is lost."""
        pending = self.pending.get(sequence)
        if pending is not None and pending.owner is owner:
            del self.pending[sequence]
            owner.settle(pending.slot, None, None)

    def forget(self, sequence: int, owner: EchoOwner) -> None:
        """Drop a pending echo without settling it (its batch was cancelled)."""
        pending = self.pending.get(sequence)
        if pending is not None and pending.owner is owner:
            del self.pending[sequence]

    # -- receiving ----------------------------------------------------------------------

    def _on_readable(self) -> None:
        self.drain()

    def drain(self) -> None:
        """Read and match everything queued on the socket now (big sweeps call it between bursts)."""
        recvmsg = self.sock.recvmsg
        for _ in range(_DRAIN_LIMIT):
            try:
                data, ancdata, _flags, addr = recvmsg(2048, _ANCILLARY)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as exc:
                if exc.errno in (
                    errno.EHOSTUNREACH,
                    errno.ENETUNREACH,
                    errno.ECONNREFUSED,
                    errno.EACCES,
                    errno.EPERM,
                    errno.EMSGSIZE,
                ):
                    continue  # an asynchronous error on a ping socket; the error queue has details
                log.warning("ICMP receive failed: %s", exc)
                break
            received_ns = _timestamp(ancdata)
            self._on_packet(data, addr[0], received_ns)
        if not self.icmp_socket.raw:
            self._drain_error_queue()

    def _on_packet(self, data: bytes, sender: str, received_ns: int) -> None:
        offset = (data[0] & 0x0F) * 4 if self._ip_header else 0
        if len(data) >= offset + 16 and data[offset] == self._reply_type:
            identifier = (data[offset + 4] << 8) | data[offset + 5]
            sequence = (data[offset + 6] << 8) | data[offset + 7]
            pending = self.pending.get(sequence)
            if (
                pending is None
                or (self.match_identifier and identifier != self.identifier)
                or pending.token != data[offset + 8 : offset + 16]
                or pending.address != sender
            ):
                self.ignored += 1
                return
            del self.pending[sequence]
            rtt_ns = received_ns - pending.sent_ns
            pending.owner.settle(pending.slot, max(rtt_ns, 0) / 1e6, None)
            return
        reply = (
            packets.parse_v4(data, sender, self._ip_header) if self._v4 else packets.parse_v6(data, sender)
        )
        if reply is None or reply.error_type is None:
            self.ignored += 1
            return
        self._on_error(reply)

    def _on_error(self, reply: packets.Reply) -> None:
        """An ICMP error quoting one of our echoes: that echo failed, for the reason given."""
        pending = self.pending.get(reply.sequence)
        if (
            pending is None
            or (self.match_identifier and reply.identifier != self.identifier)
            or pending.address != reply.about
            or (reply.token is not None and reply.token != pending.token)
        ):
            self.ignored += 1
            return
        del self.pending[reply.sequence]
        reason = packets.describe_error(self.family, reply.error_type or 0, reply.error_code)
        pending.owner.settle(pending.slot, None, f"{reason} from {reply.sender}")

    def _drain_error_queue(self) -> None:
        """Ping sockets get ICMP errors on the error queue, quoting our echo request."""
        level, option = (socket.IPPROTO_IP, IP_RECVERR) if self._v4 else (socket.IPPROTO_IPV6, IPV6_RECVERR)
        for _ in range(_DRAIN_LIMIT):
            try:
                data, ancdata, _flags, addr = self.sock.recvmsg(2048, 512, socket.MSG_ERRQUEUE)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            for cmsg_level, cmsg_type, cmsg_data in ancdata:
                if cmsg_level != level or cmsg_type != option or len(cmsg_data) < _EXTENDED_ERR.size:
                    continue
                _errno, origin, icmp_type, code, _pad, _info, _data = _EXTENDED_ERR.unpack_from(cmsg_data)
                if origin not in (_SO_EE_ORIGIN_ICMP, _SO_EE_ORIGIN_ICMP6) or len(data) < 16:
                    continue
                offender = _offender(cmsg_data[_EXTENDED_ERR.size :], self.family) or addr[0]
                identifier, sequence = struct.unpack_from("!HH", data, 4)
                self._on_error(
                    packets.Reply(identifier, sequence, data[8:16], offender, addr[0], icmp_type, code)
                )


def _timestamp(ancdata: list[tuple[int, int, bytes]]) -> int:
    for level, kind, value in ancdata:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(value) >= 16:
            seconds, nanos = _TIMESPEC.unpack_from(value)
            return int(seconds * 1_000_000_000 + nanos)
    return time.time_ns()


def _offender(raw: bytes, family: int) -> str | None:
    """The router address after ``sock_extended_err`` (a sockaddr_in / sockaddr_in6)."""
    try:
        if family == socket.AF_INET and len(raw) >= 8:
            return socket.inet_ntop(socket.AF_INET, raw[4:8])
        if family == socket.AF_INET6 and len(raw) >= 24:
            return socket.inet_ntop(socket.AF_INET6, raw[8:24])
    except ValueError:
        return None
    return None
