"""Stateful sequences schemathesis' link-following reaches only rarely: a hypothesis state machine
that creates subnets and ranges, allocates (with and without Idempotency-Key, replaying keys),
changes and releases addresses, deletes subnets, creates and expires silences, adds and removes
tills, and acts on the open ticket, in any order. Every answer must be a documented 2xx/4xx.
"""

from __future__ import annotations

import collections
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, rule, run_state_machine_as_test

from tests.daemon_harness import ADMIN_TOKEN

octet = st.integers(0, 255)
cidrs = st.one_of(
    st.builds(lambda a, b, p: f"10.{a}.{b}.0/{p}", st.integers(0, 3), st.integers(0, 3), st.integers(22, 30)),
    st.builds(lambda a, p: f"fd00:{a:x}::/{p}", st.integers(0, 3), st.integers(116, 126)),
)
hostnames = st.one_of(st.none(), st.sampled_from(["till-a1", "printer-1", "ap.store-a", "x" * 64]))
macs = st.one_of(st.none(), st.sampled_from(["52:54:00:12:34:56", "5254.0012.3457", "52-54-00-12-34-58"]))
statuses = st.sampled_from(["allocated", "reserved", "dhcp", "offline"])
matchers = st.lists(
    st.sampled_from(
        [
            "site=head-office",
            "target=nas-1",
            "rule=~service-.*",
            "rule!=x",
            "target!~web-.*",
            "severity=critical",
        ]
    ),
    min_size=1,
    max_size=3,
)


def _host(network: str, offset: int) -> str:
    base, _ = network.split("/")
    if ":" in base:
        return f"{base}{offset:x}"
    parts = base.split(".")
    return ".".join([*parts[:3], str(int(parts[3]) + offset)])


class ApiSequences(RuleBasedStateMachine):
    subnets = Bundle("subnets")
    addresses = Bundle("addresses")
    silences = Bundle("silences")
    keys = Bundle("keys")

    base_url = ""
    answers: collections.Counter[int] = collections.Counter()
    unexpected: list[str] = []

    def __init__(self) -> None:
        super().__init__()
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, Any] | None = None
    ) -> requests.Response:
        response = self.session.request(method, self.base_url + path, json=body, headers=headers, timeout=15)
        type(self).answers[response.status_code] += 1
        if response.status_code >= 500:
            type(self).unexpected.append(
                f"{method} {path} {body!r}: {response.status_code} {response.text[:200]}"
            )
        return response

    def teardown(self) -> None:
        self.session.close()

    @rule(target=subnets, cidr=cidrs, vlan=st.one_of(st.none(), st.integers(1, 4094)))
    def create_subnet(self, cidr: str, vlan: int | None) -> Any:
        response = self.call("POST", "/api/v1/ipam/subnets", {"cidr": cidr, "vlan": vlan, "name": "fuzz"})
        if response.status_code == 201:
            return (response.json()["id"], response.json()["cidr"])
        listed = self.call("GET", "/api/v1/ipam/subnets").json()["subnets"]
        found = [s for s in listed if s["cidr"] == cidr]
        return (found[0]["id"], cidr) if found else (0, cidr)

    @rule(
        subnet=subnets,
        first=st.integers(1, 6),
        size=st.integers(0, 4),
        kind=st.sampled_from(["pool", "dhcp", "reserved"]),
        name=st.sampled_from(["pool", "dhcp", "r1"]),
    )
    def create_range(self, subnet: tuple[int, str], first: int, size: int, kind: str, name: str) -> None:
        self.call(
            "POST",
            f"/api/v1/ipam/subnets/{subnet[0]}/ranges",
            {
                "name": name,
                "kind": kind,
                "first": _host(subnet[1], first),
                "last": _host(subnet[1], first + size),
            },
        )

    @rule(subnet=subnets, name=st.sampled_from(["pool", "dhcp", "r1", "none"]))
    def delete_range(self, subnet: tuple[int, str], name: str) -> None:
        self.call("DELETE", f"/api/v1/ipam/subnets/{subnet[0]}/ranges/{name}")

    # UTF-8 bytes: requests sends them as they are (not-UTF-8 keys are the raw-header pass's job).
    @rule(target=keys, key=st.sampled_from([b"k1", b"k2", b"K1", "ключ".encode(), b"k" * 200]))
    def new_key(self, key: bytes) -> bytes:
        return key

    @rule(
        target=addresses,
        subnet=subnets,
        hostname=hostnames,
        mac=macs,
        status=statuses,
        key=st.one_of(st.none(), keys),
        chosen=st.one_of(st.none(), st.integers(1, 12)),
        in_range=st.one_of(st.none(), st.sampled_from(["pool", "dhcp"])),
    )
    def allocate(
        self,
        subnet: tuple[int, str],
        hostname: str | None,
        mac: str | None,
        status: str,
        key: bytes | None,
        chosen: int | None,
        in_range: str | None,
    ) -> str:
        body: dict[str, Any] = {"hostname": hostname, "mac": mac, "status": status, "range": in_range}
        if chosen is not None:
            body["address"] = _host(subnet[1], chosen)
        headers = {"Idempotency-Key": key} if key is not None else None
        response = self.call("POST", f"/api/v1/ipam/subnets/{subnet[0]}/allocate", body, headers)
        if response.status_code in (200, 201):
            return str(response.json()["address"])
        return _host(subnet[1], chosen or 1)

    @rule(address=addresses, status=statuses, hostname=st.sampled_from(["", "renamed-1"]), mac=macs)
    def update_address(self, address: str, status: str, hostname: str, mac: str | None) -> None:
        self.call(
            "PATCH", f"/api/v1/ipam/addresses/{address}", {"status": status, "hostname": hostname, "mac": mac}
        )

    @rule(address=addresses)
    def get_address(self, address: str) -> None:
        self.call("GET", f"/api/v1/ipam/addresses/{address}")

    @rule(address=addresses)
    def release(self, address: str) -> None:
        self.call("DELETE", f"/api/v1/ipam/addresses/{address}")

    @rule(subnet=subnets, count=st.integers(1, 40), prefixlen=st.integers(20, 128))
    def query_subnet(self, subnet: tuple[int, str], count: int, prefixlen: int) -> None:
        self.call("GET", f"/api/v1/ipam/subnets/{subnet[0]}/available?count={count}")
        self.call("GET", f"/api/v1/ipam/subnets/{subnet[0]}/free-blocks?prefixlen={prefixlen}")

    @rule(subnet=subnets)
    def delete_subnet(self, subnet: tuple[int, str]) -> None:
        self.call("DELETE", f"/api/v1/ipam/subnets/{subnet[0]}")

    @rule(target=silences, chosen=matchers, minutes=st.integers(-30, 600), weekly=st.booleans())
    def create_silence(self, chosen: list[str], minutes: int, weekly: bool) -> str:
        body: dict[str, Any] = {"matchers": chosen, "comment": "fuzz"}
        if weekly:
            body["weekly"] = {
                "days": ["mon", "sat"],
                "start": "20:00",
                "end": "07:00",
                "timezone": "Europe/Berlin",
            }
        else:
            body["ends_at"] = (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()
        response = self.call("POST", "/api/v1/silences", body)
        return str(response.json()["id"]) if response.status_code == 201 else "api-missing"

    @rule(silence=silences)
    def expire_silence(self, silence: str) -> None:
        self.call("DELETE", f"/api/v1/silences/{silence}")
        self.call("GET", "/api/v1/silences")

    @rule(terminal=st.sampled_from(["a1", "a3", "b-9"]), interval=st.sampled_from(["30s", 5, "1h"]))
    def put_terminal(self, terminal: str, interval: Any) -> None:
        self.call("PUT", f"/api/v1/pos/stores/store-a/terminals/{terminal}", {"interval": interval})

    @rule(terminal=st.sampled_from(["a1", "a3", "b-9"]))
    def delete_terminal(self, terminal: str) -> None:
        self.call("DELETE", f"/api/v1/pos/stores/store-a/terminals/{terminal}")

    @rule(action=st.sampled_from(["ack", "notes", "assign", "resolve", "close"]))
    def act_on_ticket(self, action: str) -> None:
        body = {"assignee": "alice"} if action == "assign" else {"text": "fuzz"}
        if action == "close":
            body = {"root_cause": "fuzz"}
        self.call("POST", f"/api/v1/tickets/1/{action}", body)


def run_sequences(base_url: str, examples: int, steps: int) -> tuple[collections.Counter[int], list[str]]:
    ApiSequences.base_url = base_url
    ApiSequences.answers = collections.Counter()
    ApiSequences.unexpected = []
    run_state_machine_as_test(
        ApiSequences,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    return ApiSequences.answers, ApiSequences.unexpected
