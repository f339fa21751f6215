"""``monitord probe KIND ...``: run one probe once from the command line.

Each probe kind's command lives in its own ``probe_<kind>`` module with
``register(subparsers)``; add yours to ``PROBE_COMMANDS``. Only the kind being
run is imported (``monitord probe tcp`` loads no SNMP, SSH or HTTP code).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from monitord.cli.global_options import add_global_flags
from monitord.cli.lazy import Command, add_commands

PROBE_COMMANDS: list[Command] = [
    Command("tcp", "monitord.cli.probe_tcp", "TCP connect to HOST:PORT"),
    Command(
        "icmp", "monitord.cli.probe_icmp", "ICMP echo to addresses, names or CIDR ranges (like fping -g)"
    ),
    Command("ssh-log", "monitord.cli.probe_ssh_log", "scan log files on HOST over SSH for error patterns"),
    Command("backup", "monitord.cli.probe_backup", "check the newest backup in a directory on HOST over SSH"),
    Command("snmp", "monitord.cli.probe_snmp", "poll an SNMP agent once"),
    Command("http", "monitord.cli.probe_http", "request URLs once: status, phases, certificate"),
    Command(
        "tls",
        "monitord.cli.probe_tls",
        "read and verify the certificate of HOST:PORT (SMTPS, IMAPS, LDAPS, STARTTLS)",
    ),
    Command("dns", "monitord.cli.probe_dns", "query a DNS server once"),
]


def register(subparsers: Any, argv: Sequence[str] | None = None) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("probe", help="run a probe once")
    add_global_flags(parser, ("json",))
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
    add_commands(kinds, PROBE_COMMANDS, argv)
