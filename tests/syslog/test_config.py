"""``syslog:`` configuration: off by default, loopback defaults, exact error messages, summary,
and the sender map built from it."""

from __future__ import annotations

from typing import Any

import pytest

from monitord.config.loader import build_config
from monitord.errors import ConfigError
from monitord.intake.syslog.senders import SenderMap

TARGETS = [
    {"name": "core-sw", "address": "10.0.0.1", "site": "hq"},
    {"name": "fw", "address": "fw.corp.example", "site": "hq"},
    {"name": "also-10-0-0-1", "address": "10.0.0.1", "site": "hq"},
]


def test_off_by_default_and_loopback_when_on() -> None:
    assert not build_config({}).config.syslog.enabled
    config = build_config({"syslog": {"udp": {}, "tcp": {}, "tls": {"cert_file": "/c", "key_file": "/k"}}})
    syslog = config.config.syslog
    assert syslog.enabled
    assert syslog.udp is not None and syslog.udp.listen == "127.0.0.1:5514"
    assert syslog.tcp is not None and syslog.tcp.listen == "127.0.0.1:5514"
    assert syslog.tls is not None and syslog.tls.listen == "127.0.0.1:6514"
    assert syslog.summary() == [
        "syslog: udp 127.0.0.1:5514, tcp 127.0.0.1:5514, tls 127.0.0.1:6514; 3 rules, match by "
        "address then hostname, unknown senders dropped, 1000 msg/s per sender"
    ]


@pytest.mark.parametrize(
    ("syslog", "lines"),
    [
        (
            {"udp": {"listen": "localhost:5514"}},
            ["syslog.udp.listen: listen must be IP:PORT (e.g. 127.0.0.1:5514 or [::1]:5514)"],
        ),
        ({"tcp": {"listen": "127.0.0.1:70000"}}, ["syslog.tcp.listen: port must be 0-65535"]),
        ({"tls": {}}, ["syslog.tls.cert_file: Field required", "syslog.tls.key_file: Field required"]),
        ({"udp": {"colour": "red"}}, ["syslog.udp.colour: unknown key"]),
        (
            {"match": ["hostname", "hostname"]},
            ["syslog.match: list each of address and hostname at most once"],
        ),
        ({"match": ["mac"]}, ["syslog.match[0]: Input should be 'address' or 'hostname'"]),
        (
            {"senders": {"fw.corp.example": "fw"}},
            ["syslog.senders.fw.corp.example: sender 'fw.corp.example' is not an IP address"],
        ),
        ({"senders": {"10.9.9.9": "nowhere"}}, ["syslog.senders.10.9.9.9: unknown target 'nowhere'"]),
        ({"rate": 0}, ["syslog.rate: Input should be greater than 0"]),
        ({"queue_size": 10}, ["syslog.queue_size: Input should be greater than or equal to 100"]),
        ({"interval": "1ms"}, ["syslog.interval: must be between 50ms and 1h"]),
        (
            {"rules": [{"name": "x", "pattern": "a"}, {"name": "x", "pattern": "b"}]},
            ["syslog: rules: duplicate rule name x"],
        ),
        (
            {"rules": [{"name": "bad", "pattern": "(a"}]},
            [
                "syslog.rules[0].pattern: not a valid regular expression: missing ): (a (patterns use "
                "RE2 syntax: no backreferences or lookaround, see docs/patterns.md)"
            ],
        ),
        (
            {"tcp": {"listen": "127.0.0.1:6514"}, "tls": {"cert_file": "/c", "key_file": "/k"}},
            ["syslog: tcp.listen and tls.listen must differ"],
        ),
    ],
)
def test_invalid(syslog: dict[str, Any], lines: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        build_config({"targets": TARGETS, "syslog": syslog})
    assert caught.value.lines() == lines


def test_sender_map_precedence() -> None:
    loaded = build_config({"targets": TARGETS, "syslog": {"udp": {}, "senders": {"192.0.2.7": "fw"}}})
    senders = SenderMap.build(loaded, {"fw.corp.example": ["10.0.0.1", "10.0.0.2"]})
    assert senders.target_of("192.0.2.7", None) == "fw"  # the explicit map
    assert senders.target_of("10.0.0.1", b"fw") == "core-sw"  # literal beats resolved; first in file
    assert senders.target_of("10.0.0.2", None) == "fw"  # resolved
    assert senders.target_of("10.0.0.3", b"FW.corp.example") == "fw"  # by hostname, any case
    assert senders.target_of("10.0.0.3", b"core-sw.corp.example") == "core-sw"  # first label
    assert senders.target_of("10.0.0.3", b"10.0.0.1") == "core-sw"  # an address as HOSTNAME
    assert senders.target_of("10.0.0.3", b"10.0.0.9") is None
    assert senders.target_of("10.0.0.3", None) is None
    relay = SenderMap.build(build_config({"targets": TARGETS, "syslog": {"match": ["hostname", "address"]}}))
    assert relay.target_of("10.0.0.1", b"fw") == "fw"
    assert relay.target_of("10.0.0.1", b"unknown") == "core-sw"
    by_address = SenderMap.build(build_config({"targets": TARGETS, "syslog": {"match": ["address"]}}))
    assert by_address.target_of("10.0.0.3", b"fw") is None
