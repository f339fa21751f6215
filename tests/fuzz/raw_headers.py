"""Header bytes no HTTP client library will send: not UTF-8, control characters, NUL, bare CR/LF.

Hypothesis draws a header name and raw value bytes and sends them over a plain
socket to every operation of the document (path parameters filled from its
examples), with the admin token beside them or as the token itself. The first
status line is all we read; 0 stands for "closed without an answer".
"""

from __future__ import annotations

import collections
import re
import socket
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.daemon_harness import ADMIN_TOKEN

NAMES = [b"Authorization", b"Idempotency-Key", b"Content-Type", b"X-Fuzz", b"Accept", b"Host"]
NASTY = [
    b"\xff\xfe",
    b"\xc3\x28",
    b"\x00",
    b"\x01",
    b"\x7f",
    b"\r",
    b"\n",
    b"\x1b[2J",
    b"\xe2\x80\xae",
    b"Bearer " + ADMIN_TOKEN.encode() + b"\x01",
    b"Bearer \xff\xfe" + ADMIN_TOKEN.encode(),
]


def operations(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(METHOD, concrete path) for each operation, path parameters taken from their examples."""
    found = []
    for path, item in document["paths"].items():
        for method, op in item.items():
            examples = {
                p["name"]: p.get("example", "x") for p in op.get("parameters", ()) if p["in"] == "path"
            }
            concrete = path
            for key, value in examples.items():
                concrete = concrete.replace(f"{{{key}}}", str(value))
            found.append((method.upper(), concrete))
    return sorted(found)


values = st.one_of(
    st.sampled_from(NASTY),
    st.binary(max_size=48),
    st.tuples(
        st.sampled_from([b"Bearer ", b""]), st.binary(min_size=1, max_size=24), st.sampled_from(NASTY)
    ).map(b"".join),
)
names = st.one_of(st.sampled_from(NAMES), st.binary(min_size=1, max_size=12))


def send(port: int, method: str, path: str, name: bytes, value: bytes, with_token: bool) -> int:
    body = b"{}" if method in {"POST", "PUT", "PATCH"} else b""
    lines = [f"{method} {path} HTTP/1.1".encode(), b"Host: 127.0.0.1", name + b": " + value]
    if with_token and name.lower() != b"authorization":
        lines.append(b"Authorization: Bearer " + ADMIN_TOKEN.encode())
    lines += [b"Content-Type: application/json", b"Content-Length: %d" % len(body), b"Connection: close"]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        head = b""
        while b"\r\n" not in head and len(head) < 200:
            chunk = sock.recv(200)
            if not chunk:
                break
            head += chunk
    match = re.match(rb"HTTP/1\.[01] (\d{3}) ", head)
    return int(match.group(1)) if match else 0


def fuzz_headers(port: int, document: dict[str, Any], max_examples: int) -> collections.Counter[int]:
    targets = operations(document)
    statuses: collections.Counter[int] = collections.Counter()

    @settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(target=st.sampled_from(targets), name=names, value=values, with_token=st.booleans())
    def one(target: tuple[str, str], name: bytes, value: bytes, with_token: bool) -> None:
        statuses[send(port, *target, name, value, with_token)] += 1

    one()
    return statuses
