"""A slow or lossy host inside the lab namespace: ICMP echo answered from user space.

The lab (``tests.lab``) can silence a 127.x host or drop a random share of its
echoes, but a kernel without ``sch_netem`` cannot delay them, and random loss
makes a loss threshold flap. This host sits behind a TUN device in the lab's
namespace (its own TEST-NET-2 address; nothing leaves the namespace): the test
reads each echo request from the device and writes the reply back after
``delay`` seconds, or drops every ``drop_every``-th request, exactly.
"""

from __future__ import annotations

import asyncio
import fcntl
import ipaddress
import os
import struct
import subprocess
from typing import Any

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
ICMP = 1
ECHO_REQUEST, ECHO_REPLY = 8, 0


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def echo_reply(packet: bytes) -> bytes | None:
    """The reply to an IPv4 ICMP echo request, or None for any other packet."""
    if len(packet) < 28 or packet[0] >> 4 != 4 or packet[9] != ICMP:
        return None
    header_length = (packet[0] & 0x0F) * 4
    icmp = bytearray(packet[header_length:])
    if not icmp or icmp[0] != ECHO_REQUEST:
        return None
    icmp[0] = ECHO_REPLY
    icmp[2:4] = b"\0\0"
    icmp[2:4] = struct.pack("!H", checksum(bytes(icmp)))
    header = bytearray(packet[:header_length])
    header[12:16], header[16:20] = packet[16:20], packet[12:16]  # swap source and destination
    header[8] = 64  # TTL
    header[10:12] = b"\0\0"
    header[10:12] = struct.pack("!H", checksum(bytes(header)))
    return bytes(header) + bytes(icmp)


class SlowHost:
    """``ADDRESS`` answers ping from inside ``lab``; set ``delay``/``drop_every`` at any time."""

    GATEWAY = "198.51.100.1/24"
    ADDRESS = "198.51.100.2"

    def __init__(self, lab: Any, device: str = "mdslow0") -> None:
        self.delay = 0.0
        self.drop_every = 0
        self.requests = 0
        self._address = ipaddress.ip_address(self.ADDRESS).packed
        with lab.inside():  # the device belongs to the namespace the opening thread is in
            self._fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
            fcntl.ioctl(self._fd, TUNSETIFF, struct.pack("16sH", device.encode(), IFF_TUN | IFF_NO_PI))
        for argv in (
            ["ip", "-n", lab.name, "addr", "add", self.GATEWAY, "dev", device],
            ["ip", "-n", lab.name, "link", "set", device, "up"],
        ):
            subprocess.run(argv, check=True, capture_output=True, timeout=20)
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self._fd, self._readable)

    def _readable(self) -> None:
        for _ in range(64):  # bounded per wake-up; the loop calls again while data remains
            try:
                packet = os.read(self._fd, 65535)
            except BlockingIOError:
                return
            if packet[16:20] != self._address:
                continue
            reply = echo_reply(packet)
            if reply is None:
                continue
            self.requests += 1
            if self.drop_every and self.requests % self.drop_every == 0:
                continue
            if self.delay > 0:
                self._loop.call_later(self.delay, self._write, reply)
            else:
                self._write(reply)

    def _write(self, reply: bytes) -> None:
        if self._fd >= 0:
            os.write(self._fd, reply)

    def close(self) -> None:
        if self._fd >= 0:
            self._loop.remove_reader(self._fd)
            os.close(self._fd)
            self._fd = -1
