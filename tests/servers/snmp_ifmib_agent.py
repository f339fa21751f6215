"""A net-snmp ``pass_persist`` agent serving IF-MIB's ifTable or ifXTable, or ENTITY-MIB's
entPhysicalTable (net-snmp has no ENTITY-MIB of its own), from a JSON file.

The test harness writes the file (atomically) to set interface state and
counter values - e.g. a 32-bit counter about to wrap, or an interface going
down - or a device's physical entities (chassis model, serial, firmware), and
snmpd answers from it on the next request.

Usage (from snmpd.conf): ``pass_persist OID PYTHON THIS_FILE iftable|ifxtable|entphysical STATE.json``
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

IF_TABLE = (1, 3, 6, 1, 2, 1, 2, 2, 1)
IF_X_TABLE = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1)
ENT_PHYSICAL_TABLE = (1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1)
WRAP32 = 1 << 32
WRAP64 = 1 << 64


def _if_table(iface: dict[str, Any]) -> list[tuple[int, str, Any]]:
    speed = min(int(iface.get("speed_mbps", 1000) * 1_000_000), WRAP32 - 1)
    return [
        (1, "integer", iface["index"]),
        (2, "string", iface.get("descr", iface["name"])),
        (3, "integer", 6),
        (5, "gauge", speed),
        (7, "integer", iface.get("admin", 1)),
        (8, "integer", iface.get("oper", 1)),
        (10, "counter", iface.get("in_octets", 0) % WRAP32),
        (11, "counter", iface.get("in_ucast", 0) % WRAP32),
        (13, "counter", iface.get("in_discards", 0) % WRAP32),
        (14, "counter", iface.get("in_errors", 0) % WRAP32),
        (16, "counter", iface.get("out_octets", 0) % WRAP32),
        (17, "counter", iface.get("out_ucast", 0) % WRAP32),
        (19, "counter", iface.get("out_discards", 0) % WRAP32),
        (20, "counter", iface.get("out_errors", 0) % WRAP32),
    ]


def _if_x_table(iface: dict[str, Any]) -> list[tuple[int, str, Any]]:
    columns: list[tuple[int, str, Any]] = [(1, "string", iface["name"])]
    if iface.get("hc", True):
        columns += [
            (6, "counter64", iface.get("in_octets", 0) % WRAP64),
            (7, "counter64", iface.get("in_ucast", 0) % WRAP64),
            (10, "counter64", iface.get("out_octets", 0) % WRAP64),
            (11, "counter64", iface.get("out_ucast", 0) % WRAP64),
        ]
    columns += [
        (15, "gauge", int(iface.get("speed_mbps", 1000))),
        (18, "string", iface.get("alias", "")),
        (19, "timeticks", iface.get("discontinuity", 0)),
    ]
    return columns


def _ent_physical(entity: dict[str, Any]) -> list[tuple[int, str, Any]]:
    texts = (
        (2, "descr"),
        (7, "name"),
        (8, "hardware_rev"),
        (9, "firmware_rev"),
        (10, "software_rev"),
        (11, "serial"),
        (12, "mfg_name"),
        (13, "model"),
    )
    columns: list[tuple[int, str, Any]] = [
        (4, "integer", entity.get("contained_in", 0)),
        (5, "integer", entity.get("class", 3)),
    ]
    columns += [(column, "string", entity.get(key, "")) for column, key in texts]
    return sorted(columns)


TABLES = {
    "iftable": (IF_TABLE, _if_table, "interfaces"),
    "ifxtable": (IF_X_TABLE, _if_x_table, "interfaces"),
    "entphysical": (ENT_PHYSICAL_TABLE, _ent_physical, "entities"),
}


class Table:
    def __init__(self, which: str, path: str) -> None:
        self.base, self.columns, self.key = TABLES[which]
        self.path = path
        self.stamp: int | None = None
        self.rows: list[tuple[tuple[int, ...], str, Any]] = []

    def refresh(self) -> None:
        try:
            stamp = os.stat(self.path).st_mtime_ns
        except OSError:
            self.rows, self.stamp = [], None
            return
        if stamp == self.stamp:
            return
        with open(self.path, encoding="utf-8") as handle:
            data = json.load(handle)
        rows = []
        for iface in data.get(self.key, []):
            for column, kind, value in self.columns(iface):
                rows.append(((*self.base, column, int(iface["index"])), kind, value))
        rows.sort(key=lambda row: row[0])
        self.rows, self.stamp = rows, stamp

    def get(self, oid: tuple[int, ...]) -> tuple[tuple[int, ...], str, Any] | None:
        return next((row for row in self.rows if row[0] == oid), None)

    def get_next(self, oid: tuple[int, ...]) -> tuple[tuple[int, ...], str, Any] | None:
        return next((row for row in self.rows if row[0] > oid), None)


def _parse(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.strip().strip(".").split(".") if p)


def main() -> None:
    table = Table(sys.argv[1], sys.argv[2])
    out = sys.stdout
    for line in sys.stdin:
        command = line.strip()
        if command == "PING":
            out.write("PONG\n")
        elif command in ("get", "getnext"):
            oid = _parse(sys.stdin.readline())
            table.refresh()
            row = table.get(oid) if command == "get" else table.get_next(oid)
            if row is None:
                out.write("NONE\n")
            else:
                out.write(".{}\n{}\n{}\n".format(".".join(map(str, row[0])), row[1], row[2]))
        elif command == "set":
            sys.stdin.readline()
            sys.stdin.readline()
            out.write("not-writable\n")
        elif not command:
            break
        out.flush()


if __name__ == "__main__":
    main()
