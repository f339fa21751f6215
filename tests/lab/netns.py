"""A private network namespace with silent, lossy and rejecting 127.x hosts.

Every 127.0.0.0/8 address (and ``::1``) answers ICMP on ``lo``, so the lab makes
hosts misbehave with nftables rules on the *input* hook of its own namespace;
nothing leaves the namespace (it has no interface but ``lo``).

API (fixture ``lab``, function scope, registered in ``tests/conftest.py``; tests
using it need ``@pytest.mark.root``)::

    lab.name                               # namespace name (``ip netns exec NAME ...``)
    lab.silence("127.0.0.9", "::1")        # drop every echo request to these
    lab.lose("127.0.0.10", 50)             # drop a random 50 % of echo requests
    lab.reject("127.0.0.11")               # answer with ICMP host-unreachable (v6: addr-unreachable)
    lab.block_output("127.0.0.12")         # output-hook drop: sendto() itself fails (EPERM)
    lab.restore("127.0.0.9")               # that address behaves again; lab.restore() = all
    lab.socket(family, type, proto)        # a socket created inside the namespace
    with lab.icmp_sockets(): ...           # the ICMP engine opens its sockets inside the lab
                                           #   (the rest of the process, e.g. PostgreSQL or HTTP
                                           #   clients, stays in the root namespace)
    with lab.inside(): ...                 # this thread runs inside the namespace (sync code)
    await lab.run(async_fn, *args, timeout=60)  # run a coroutine function in its own thread
                                           #   and event loop inside the namespace; returns its result
    lab.command(argv, without_net_raw=False)  # argv prefixed to run inside the namespace,
                                           #   optionally without CAP_NET_RAW (setpriv)
    lab.sysctl("net.ipv4.ping_group_range", "0 0")  # per-namespace sysctls

Rules can change while a test runs (a target "goes silent", then recovers): each
change replaces the lab's nftables table atomically. The namespace and its rules
are deleted when the test ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ipaddress
import os
import socket
import subprocess
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

from monitord.icmp.sockets import use_socket_factory

CLONE_NEWNET = 0x40000000
T = TypeVar("T")

_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns: {os.strerror(err)}")


def _run(argv: list[str], stdin: str | None = None) -> None:
    done = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=20, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}")


def remove_stale_labs() -> list[str]:
    """Delete lab namespaces left behind by test processes that no longer exist."""
    removed = []
    try:
        names = os.listdir("/run/netns")
    except OSError:
        return removed
    for name in names:
        parts = name.split("-")
        if len(parts) != 3 or parts[0] != "mdlab" or not parts[1].isdigit():
            continue
        if not os.path.exists(f"/proc/{parts[1]}"):
            subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=20, check=False)
            removed.append(name)
    return removed


class Lab:
    """One private namespace and the misbehaviour rules of its 127.x hosts."""

    def __init__(self) -> None:
        self.name = f"mdlab-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._input: dict[str, str] = {}
        self._silent: set[str] = set()
        self._output: dict[str, str] = {}
        self._lock = threading.Lock()
        _run(["ip", "netns", "add", self.name])
        try:
            _run(["ip", "-n", self.name, "link", "set", "lo", "up"])
            self._apply()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, timeout=20, check=False)

    # -- misbehaving hosts ------------------------------------------------------------

    def _match(self, address: str) -> tuple[str, bool]:
        """The nft match for echo requests to ``address``; it stops being silent."""
        ip = ipaddress.ip_address(address)
        self._silent.discard(str(ip))
        if ip.version == 6:
            return f"ip6 daddr {ip} icmpv6 type echo-request", True
        return f"ip daddr {ip} icmp type echo-request", False

    def silence(self, *addresses: str) -> None:
        """Drop every echo request to ``addresses`` (the hosts are down).

        Silent hosts live in nftables sets (one lookup per packet), so thousands
        of them cost the kernel no more than one.
        """
        for address in addresses:
            self._match(address)  # validates
            self._input.pop(address, None)
            self._silent.add(str(ipaddress.ip_address(address)))
        self._apply()

    def lose(self, address: str, percent: int) -> None:
        """Drop a random ``percent`` % of echo requests to ``address`` (independently per echo)."""
        if not 0 <= percent <= 100:
            raise ValueError("percent must be 0-100")
        match, _ = self._match(address)
        self._input[address] = f"{match} numgen random mod 100 < {percent} drop"
        self._apply()

    def reject(self, address: str) -> None:
        """Answer echo requests to ``address`` with an ICMP destination-unreachable error."""
        match, v6 = self._match(address)
        verdict = (
            "reject with icmpv6 type addr-unreachable" if v6 else ("reject with icmp type host-unreachable")
        )
        self._input[address] = f"{match} {verdict}"
        self._apply()

    def block_output(self, address: str) -> None:
        """Drop echo requests on the output hook: the sender's ``sendto`` fails with EPERM."""
        match, _ = self._match(address)
        self._output[address] = f"{match} drop"
        self._apply()

    def restore(self, *addresses: str) -> None:
        """Remove the rules of ``addresses`` (all rules when none are given)."""
        if not addresses:
            self._input.clear()
            self._output.clear()
            self._silent.clear()
        for address in addresses:
            self._input.pop(address, None)
            self._output.pop(address, None)
            self._silent.discard(str(ipaddress.ip_address(address)))
        self._apply()

    def _apply(self) -> None:
        with self._lock:
            input_rules = "\n".join(f"    {rule}" for rule in self._input.values())
            output_rules = "\n".join(f"    {rule}" for rule in self._output.values())
            silent4 = ", ".join(a for a in sorted(self._silent) if ":" not in a)
            silent6 = ", ".join(a for a in sorted(self._silent) if ":" in a)
            ruleset = (
                "flush ruleset\n"
                "table inet monitord_lab {\n"
                "  set silent4 { type ipv4_addr;"
                f"{f' elements = {{ {silent4} }};' if silent4 else ''} }}\n"
                "  set silent6 { type ipv6_addr;"
                f"{f' elements = {{ {silent6} }};' if silent6 else ''} }}\n"
                "  chain input {\n    type filter hook input priority 0; policy accept;\n"
                "    ip daddr @silent4 icmp type echo-request drop\n"
                "    ip6 daddr @silent6 icmpv6 type echo-request drop\n"
                f"{input_rules}\n  }}\n"
                "  chain output {\n    type filter hook output priority 0; policy accept;\n"
                f"{output_rules}\n  }}\n"
                "}\n"
            )
            _run(["ip", "netns", "exec", self.name, "nft", "-f", "-"], stdin=ruleset)

    def ruleset(self) -> str:
        """The namespace's current nftables ruleset (for failure messages)."""
        done = subprocess.run(
            ["ip", "netns", "exec", self.name, "nft", "list", "ruleset"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
        return done.stdout

    # -- running code inside ------------------------------------------------------------

    @contextlib.contextmanager
    def inside(self) -> Iterator[None]:
        """The calling thread enters the namespace for the block, then returns to its own."""
        own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open(f"/run/netns/{self.name}", os.O_RDONLY)
        try:
            _setns(target)
            try:
                yield
            finally:
                _setns(own)
        finally:
            os.close(target)
            os.close(own)

    def socket(self, family: int, kind: int, proto: int = 0) -> socket.socket:
        """A socket living in the namespace (it stays there whichever thread uses it)."""
        with self.inside():
            return socket.socket(family, kind, proto)

    @contextlib.contextmanager
    def icmp_sockets(self) -> Iterator[None]:
        """ICMP engines opened inside the block probe from within the lab."""
        with use_socket_factory(self.socket):
            yield

    async def run(self, function: Callable[..., Awaitable[T]], *args: Any, timeout: float = 60.0) -> T:
        """Run ``function(*args)`` in a new thread with its own event loop, inside the namespace.

        Raises TimeoutError after ``timeout`` seconds (the thread is a daemon thread).
        """
        outcome: dict[str, Any] = {}

        def body() -> None:
            try:
                with self.inside():
                    outcome["value"] = asyncio.run(_as_coroutine(function, *args))
            except BaseException as exc:
                outcome["error"] = exc

        thread = threading.Thread(target=body, name=f"lab-{self.name}", daemon=True)
        thread.start()
        async with asyncio.timeout(timeout):
            while thread.is_alive():
                await asyncio.sleep(0.01)
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]  # type: ignore[no-any-return]

    def command(self, argv: list[str], without_net_raw: bool = False) -> list[str]:
        """``argv`` run inside the namespace; optionally with CAP_NET_RAW dropped everywhere."""
        prefix = ["ip", "netns", "exec", self.name]
        if without_net_raw:
            prefix += [
                "setpriv",
                "--bounding-set=-net_raw",
                "--inh-caps=-net_raw",
                "--ambient-caps=-net_raw",
                "--",
            ]
        return prefix + argv

    def sysctl(self, name: str, value: str) -> None:
        """Set a per-namespace sysctl (e.g. ``net.ipv4.ping_group_range``) inside the lab."""
        _run(["ip", "netns", "exec", self.name, "sysctl", "-q", "-w", f"{name}={value}"])


async def _as_coroutine(function: Callable[..., Awaitable[T]], *args: Any) -> T:
    return await function(*args)
