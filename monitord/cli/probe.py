"""``monitord probe KIND ...``: run one probe once from the command line.

Each probe kind's command lives in its own ``probe_<kind>`` module with
``register(subparsers)``; add yours to ``PROBE_COMMANDS``.
"""

from __future__ import annotations

import argparse
from types import ModuleType
from typing import Any

from monitord.cli import (
    probe_backup,
    probe_dns,
    probe_http,
    probe_icmp,
    probe_snmp,
    probe_ssh_log,
    probe_tcp,
    probe_tls,
)
from monitord.cli.global_options import add_global_flags

PROBE_COMMANDS: list[ModuleType] = [
    probe_tcp,
    probe_icmp,
    probe_ssh_log,
    probe_backup,
    probe_snmp,
    probe_http,
    probe_tls,
    probe_dns,
]


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("probe", help="run a probe once")
    add_global_flags(parser, ("json",))
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
    for module in PROBE_COMMANDS:
        module.register(kinds)
