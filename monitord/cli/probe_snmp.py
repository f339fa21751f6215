"""``monitord probe snmp HOST [--community C] [--v3-user U ...] [--profile P] [--walk OID] [--json]``.

Polls one agent once with the same code the daemon runs (profiles, errors as
data), or walks a subtree with ``--walk`` (GETBULK, or GETNEXT for v1) and
prints numeric OIDs. Credentials may also come from the environment
(``SNMP_COMMUNITY``, ``SNMP_V3_AUTH_KEY``, ``SNMP_V3_PRIV_KEY``) to keep them out
of the process list.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import Any

from pydantic import ValidationError

from monitord.cli.global_options import uses
from monitord.cli.output import print_results, run_with_deadline
from monitord.config.resolve import clean_message
from monitord.config.targets import validate_address
from monitord.results import ProbeResult
from monitord.snmp.errors import SnmpError
from monitord.snmp.table import WalkError, walk
from monitord.snmp.values import VarBind, normalize_oid
from probes.base import ProbeTarget
from probes.snmp import SnmpProbe, SnmpSettings


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("snmp", help="poll an SNMP agent once")
    parser.add_argument("host", metavar="HOST")
    parser.add_argument("--port", type=int, default=161, help="UDP port (default 161)")
    parser.add_argument(
        "--version",
        choices=["1", "2c", "3"],
        default=None,
        help="SNMP version (default 2c, or 3 with --v3-user)",
    )
    parser.add_argument(
        "--community", default=None, help="v1/v2c community (default $SNMP_COMMUNITY or public)"
    )
    parser.add_argument("--v3-user", default=None, help="SNMPv3 user name")
    parser.add_argument("--v3-auth-protocol", default="SHA", choices=["MD5", "SHA", "SHA256", "SHA512"])
    parser.add_argument("--v3-auth-key", default=None, help="default $SNMP_V3_AUTH_KEY")
    parser.add_argument("--v3-priv-protocol", default="AES", choices=["DES", "AES", "AES192", "AES256"])
    parser.add_argument("--v3-priv-key", default=None, help="default $SNMP_V3_PRIV_KEY")
    parser.add_argument(
        "--profile",
        action="append",
        dest="profiles",
        metavar="PROFILE",
        help="system, interfaces or host; repeatable (default: system interfaces)",
    )
    parser.add_argument("--walk", metavar="OID", help="walk this subtree instead of polling profiles")
    parser.add_argument("--timeout", type=float, default=10.0, help="overall seconds (default 10)")
    parser.add_argument("--request-timeout", type=float, default=1.0, help="per request (default 1)")
    parser.add_argument("--retries", type=int, default=2, help="resends per request (default 2)")
    uses(parser, json=False)
    parser.set_defaults(handler=handle)


def build_settings(args: argparse.Namespace) -> SnmpSettings:
    """Settings from the command line; raises ValidationError naming the bad field."""
    doc: dict[str, Any] = {
        "port": args.port,
        "timeout": args.timeout,
        "request_timeout": args.request_timeout,
        "retries": args.retries,
        "community": args.community or os.environ.get("SNMP_COMMUNITY") or "public",
        "profiles": args.profiles or ["system", "interfaces"],
        "version": args.version or ("3" if args.v3_user else "2c"),
    }
    if args.v3_user:
        v3: dict[str, Any] = {
            "user": args.v3_user,
            "auth_protocol": args.v3_auth_protocol,
            "priv_protocol": args.v3_priv_protocol,
        }
        auth = args.v3_auth_key or os.environ.get("SNMP_V3_AUTH_KEY")
        priv = args.v3_priv_key or os.environ.get("SNMP_V3_PRIV_KEY")
        if auth:
            v3["auth_key"] = auth
        if priv:
            v3["priv_key"] = priv
        doc["v3"] = v3
    return SnmpSettings.model_validate(doc)


def varbind_json(varbind: VarBind) -> dict[str, Any]:
    value = varbind.value
    if isinstance(value, bytes):
        value = varbind.as_text()
    return {"oid": varbind.oid, "type": varbind.kind.value, "value": value}


async def run_walk(
    target: ProbeTarget, settings: SnmpSettings, base: str
) -> tuple[list[VarBind], str | None]:
    kind = SnmpProbe()
    try:
        async with asyncio.timeout(settings.timeout):
            session = await kind.session(target, settings)
            return await walk(session, base, settings.max_repetitions), None
    except TimeoutError:
        return [], f"timeout after {settings.timeout:g}s"
    except (SnmpError, WalkError) as exc:
        return [], str(exc)
    finally:
        await kind.close()


async def run_poll(target: ProbeTarget, settings: SnmpSettings) -> list[ProbeResult]:
    kind = SnmpProbe()
    try:
        return await run_with_deadline(kind, target, settings)
    finally:
        await kind.close()


def handle(args: argparse.Namespace) -> int:
    try:
        address = validate_address(args.host)
        base = normalize_oid(args.walk) if args.walk else None
        settings = build_settings(args)
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            message = clean_message(error)
            print(
                f"monitord probe snmp: {where}: {message}" if where else f"monitord probe snmp: {message}",
                file=sys.stderr,
            )
        return 2
    except ValueError as exc:
        print(f"monitord probe snmp: {exc}", file=sys.stderr)
        return 2
    target = ProbeTarget(name=args.host, address=address, site="cli")
    if base is not None:
        varbinds, failure = asyncio.run(run_walk(target, settings, base))
        if args.json:
            print(
                json.dumps(
                    {
                        "ok": failure is None,
                        "reason": failure,
                        "varbinds": [varbind_json(v) for v in varbinds],
                    },
                    indent=2,
                )
            )
        else:
            for varbind in varbinds:
                print(f".{varbind.oid} = {varbind.kind.value}: {varbind_json(varbind)['value']}")
            if failure:
                print(f"{args.host} snmp walk failed: {failure}", file=sys.stderr)
        return 1 if failure else 0
    results = asyncio.run(run_poll(target, settings))
    print_results(results, args.json)
    return 0 if results and results[0].ok else 1
