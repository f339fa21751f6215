"""One ``ping_many`` call in flight: its targets, its echoes and what came back.

A batch is the unit the engine times: its rounds are sent from the shared
timing wheel (or, for big sweeps, from the calling coroutine in bursts) and it
has one deadline. It completes once every round is sent and every echo settled.
"""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Any

from monitord.icmp.channel import Channel
from monitord.icmp.stats import PingStats

Target = tuple[Channel | None, str, tuple[Any, ...]]  # channel, normalised address, sockaddr

_SOCKADDRS: dict[str, tuple[int, str, tuple[Any, ...]]] = {}
_SOCKADDR_CACHE_LIMIT = 200_000


def sockaddr_of(address: str) -> tuple[int, str, tuple[Any, ...]]:
    """Family, normalised text and sockaddr of an IP literal (ValueError otherwise).

    ``inet_pton`` plus a cache: ``ipaddress`` parsing cost a quarter of a sweep's CPU.
    """
    known = _SOCKADDRS.get(address)
    if known is not None:
        return known
    try:
        text = socket.inet_ntop(socket.AF_INET, socket.inet_pton(socket.AF_INET, address))
        entry: tuple[int, str, tuple[Any, ...]] = (socket.AF_INET, text, (text, 0))
    except OSError:
        try:
            text = socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, address))
        except OSError:
            if "%" in address:
                raise ValueError(f"{address!r}: scoped IPv6 addresses are not supported") from None
            raise ValueError(f"{address!r} does not appear to be an IPv4 or IPv6 address") from None
        entry = (socket.AF_INET6, text, (text, 0, 0, 0))
    if len(_SOCKADDRS) >= _SOCKADDR_CACHE_LIMIT:
        _SOCKADDRS.clear()
    _SOCKADDRS[address] = entry
    return entry


class _TokenPool:
    """Random payload tokens drawn from the kernel in blocks rather than per round."""

    BLOCK = 8192

    def __init__(self) -> None:
        self._buffer = b""
        self._offset = 0

    def take(self, size: int) -> bytes:
        if size > self.BLOCK:
            return os.urandom(size)
        if self._offset + size > len(self._buffer):
            self._buffer = os.urandom(self.BLOCK)
            self._offset = 0
        start = self._offset
        self._offset += size
        return self._buffer[start : start + size]


_POOL = _TokenPool()


class Batch:
    """Echo outcomes of one ``ping_many`` call, one slot per address."""

    __slots__ = (
        "cancelled",
        "done",
        "errors",
        "in_flight",
        "outstanding",
        "received",
        "rounds_left",
        "rtts",
        "sent",
        "targets",
        "timeout_ms",
        "unavailable",
    )

    def __init__(
        self,
        targets: list[Target],
        unavailable: dict[int, str],
        rounds: int,
        timeout: float,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        size = len(targets)
        self.targets = targets
        self.unavailable = unavailable
        self.timeout_ms = timeout * 1000.0
        self.rounds_left = rounds
        self.sent = [0] * size
        self.received = [0] * size
        self.rtts: list[list[float]] = [[] for _ in range(size)]
        self.errors: list[str | None] = [None] * size
        self.outstanding = 0
        self.in_flight: list[tuple[Channel, int]] = []
        self.cancelled = False
        self.done: asyncio.Future[None] = loop.create_future()

    def settle(self, slot: int, rtt_ms: float | None, error: str | None) -> None:
        """One echo ended: a reply (judged against the timeout), an error, or silence."""
        if rtt_ms is not None and rtt_ms <= self.timeout_ms:
            self.received[slot] += 1
            self.rtts[slot].append(rtt_ms)
        elif error is not None:
            self.errors[slot] = error
        self.outstanding -= 1
        if self.outstanding <= 0 and self.rounds_left == 0 and not self.done.done():
            self.done.set_result(None)

    def send(self, first: int, last: int, tokens: bytes) -> None:
        """Send this round's echoes to targets ``first`` up to ``last`` (exclusive)."""
        targets, sent, received_in_flight = self.targets, self.sent, self.in_flight
        for index in range(first, last):
            channel, address, sockaddr = targets[index]
            sent[index] += 1
            self.outstanding += 1
            if channel is None:
                self.settle(index, None, self.unavailable[index])
                continue
            sequence = channel.send(self, index, address, sockaddr, tokens[8 * index : 8 * index + 8])
            if sequence is not None:
                received_in_flight.append((channel, sequence))

    def round_sent(self) -> None:
        self.rounds_left -= 1
        if self.rounds_left == 0 and self.outstanding <= 0 and not self.done.done():
            self.done.set_result(None)

    def expire(self) -> None:
        """The deadline passed: every echo still pending is lost."""
        if self.outstanding > 0:
            for channel, sequence in self.in_flight:
                channel.expire(sequence, self)

    def cancel(self) -> None:
        """The caller gave up (cancelled): stop sending and drop what is in flight."""
        self.cancelled = True
        for channel, sequence in self.in_flight:
            channel.forget(sequence, self)

    def new_tokens(self) -> bytes:
        """8 random bytes per target for this round (from the pool: one getrandom per 1,024 echoes)."""
        return _POOL.take(8 * len(self.targets))

    def results(self) -> list[PingStats]:
        return [
            PingStats(
                address=text,
                sent=self.sent[i],
                received=self.received[i],
                rtts_ms=tuple(self.rtts[i]),
                error=self.errors[i],
            )
            for i, (_, text, _) in enumerate(self.targets)
        ]
