"""Writes monitord's Grafana dashboards (config/grafana/dashboards/) from the catalogue below.

Each time-series panel is written once with both of its queries: InfluxQL (InfluxDB 1.x,
and 2.x/3.x through a DBRP mapping; datasource ``monitord-influxql``) and PromQL/MetricsQL
(VictoriaMetrics, where the sink's line protocol becomes series named
``measurement_field``; datasource ``monitord-prometheus``), and each dashboard is written
in both variants so they cannot drift apart. The tickets dashboard reads the state store
through Grafana's PostgreSQL datasource (``monitord-postgres``) and has one variant.

    python3 config/grafana/generate.py          # rewrite the generated dashboards
    python3 config/grafana/generate.py --check  # exit 1 when a file is out of date
    python3 config/grafana/generate.py --sketch # print each layout as text

``tests/grafana`` runs every query against real InfluxDB 1.6, VictoriaMetrics and
PostgreSQL fed by a real daemon; docs/dashboards.md describes the dashboards.
``monitord-icmp.json`` and ``monitord-health.json`` are hand-written, not generated.
"""

# The InfluxQL/SQL here is dashboard text, never executed by this script (S608), and a
# query reads better on one line than cut at 110 characters (E501).
# ruff: noqa: S608, E501

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from grafana_json import (  # the sibling module, found through the line above
    ADMIN_STATUS,
    BATTERY_STATUS,
    OPER_STATUS,
    PROBLEM,
    STATES,
    STORE_STATUS,
    UP_DOWN,
    YES_NO,
    Dashboard,
    Panel,
    Query,
    Variable,
    render,
    sketch,
    text,
)

DASHBOARDS = Path(__file__).resolve().parent / "dashboards"


def influx_where(*conditions: str) -> str:
    return " AND ".join((*conditions, "$timeFilter"))


def matches(tag: str, variable: str) -> str:
    """InfluxQL: the tag matches the (multi-value) template variable."""
    return f'"{tag}" =~ /^${variable}$/'


def series(metric: str, selector: str) -> str:
    return f"{metric}{{{selector}}}"


# -- Network interfaces (SNMP) ----------------------------------------------------------------

IF_WHERE = (matches("site", "site"), matches("target", "device"), matches("ifName", "interface"),
            matches("ifAlias", "alias"))
IF_SEL = 'site=~"$site",target=~"$device",ifName=~"$interface",ifAlias=~"$alias"'
SYS_WHERE = (matches("site", "site"), matches("target", "device"))
SYS_SEL = 'site=~"$site",target=~"$device"'


def if_pair(title: str, field_in: str, field_out: str, unit: str, description: str,
            **extra: Any) -> Panel:
    """In and out of one interface figure, per device and interface; out drawn below the axis."""
    where = influx_where(*IF_WHERE)
    return Panel(
        title=title, unit=unit, description=description, negative=" out$", **extra,
        queries=(
            Query(f'SELECT mean("{field_in}") AS "in", mean("{field_out}") AS "out" FROM "snmp_interface" '
                  f'WHERE {where} GROUP BY time($__interval), "target", "ifName" fill(null)',
                  series(f"snmp_interface_{field_in}", IF_SEL), "{{target}} {{ifName}} in",
                  alias="$tag_target $tag_ifName $col"),
            Query(None, series(f"snmp_interface_{field_out}", IF_SEL), "{{target}} {{ifName}} out"),
        ))


INTERFACES = Dashboard(
    slug="interfaces", title="Network interfaces (SNMP)", tags=("snmp", "interfaces"),
    description="Traffic, utilisation, errors, discards and status per device and interface, from "
                "the snmp probe's interfaces profile (IF-MIB ifTable/ifXTable)",
    variables=(
        Variable("site", "Site", 'SHOW TAG VALUES FROM "snmp_interface" WITH KEY = "site"',
                 "label_values(snmp_interface_up, site)"),
        Variable("device", "Device",
                 f'SHOW TAG VALUES FROM "snmp_interface" WITH KEY = "target" WHERE {matches("site", "site")}',
                 'label_values(snmp_interface_up{site=~"$site"}, target)'),
        Variable("interface", "Interface (ifName)",
                 f'SHOW TAG VALUES FROM "snmp_interface" WITH KEY = "ifName" WHERE {matches("target", "device")}',
                 'label_values(snmp_interface_up{target=~"$device"}, ifName)'),
        Variable("alias", "Description (ifAlias)",
                 f'SHOW TAG VALUES FROM "snmp_interface" WITH KEY = "ifAlias" WHERE {matches("target", "device")}',
                 'label_values(snmp_interface_up{target=~"$device"}, ifAlias)'),
    ),
    panels=(
        if_pair("Traffic (bits/s)", "in_bps", "out_bps", "bps", width=24, height=9,
                description="Octet counters (64-bit where the agent has ifXTable) as bits per second; "
                            "out is drawn below the axis. No point after a device restart or a counter "
                            "discontinuity (a gap, not a false spike)."),
        if_pair("Utilisation (% of ifSpeed/ifHighSpeed)", "in_util_pct", "out_util_pct", "percent",
                "Rate against the interface speed the agent reports.", minimum=-100, maximum=100),
        if_pair("Unicast packets per second", "in_pps", "out_pps", "pps", "ifHCIn/OutUcastPkts as a rate."),
        if_pair("Errors per second", "in_errors_per_s", "out_errors_per_s", "short",
                "ifIn/OutErrors as a rate: CRC, framing, late collisions."),
        if_pair("Discards per second", "in_discards_per_s", "out_discards_per_s", "short",
                "ifIn/OutDiscards as a rate: buffers full, usually congestion."),
        Panel("Operational status over time", kind="state-timeline", width=24, height=7,
              mappings=OPER_STATUS,
              description="ifOperStatus per interface (1 up, 2 down, 7 lowerLayerDown ...).",
              queries=(Query(f'SELECT last("oper_status") FROM "snmp_interface" WHERE {influx_where(*IF_WHERE)} '
                             'GROUP BY time($__interval), "target", "ifName" fill(previous)',
                             series("snmp_interface_oper_status", IF_SEL), "{{target}} {{ifName}}",
                             alias="$tag_target $tag_ifName"),)),
        Panel("Busiest interfaces (top 10 by peak utilisation)", kind="table", sort_by="peak util %", limit=10,
              units={"peak util %": "percent", "mean util %": "percent", "peak in": "bps", "peak out": "bps"},
              queries=(
                  Query('SELECT max("util_pct") AS "peak util %", mean("util_pct") AS "mean util %", '
                        'max("in_bps") AS "peak in", max("out_bps") AS "peak out" FROM "snmp_interface" '
                        f'WHERE {influx_where(*IF_WHERE)} GROUP BY "target", "ifName"',
                        f"topk(10, max_over_time({series('snmp_interface_util_pct', IF_SEL)}[$__range]))",
                        "peak util %"),
                  Query(None, f"max_over_time({series('snmp_interface_in_bps', IF_SEL)}[$__range])", "peak in"),
                  Query(None, f"max_over_time({series('snmp_interface_out_bps', IF_SEL)}[$__range])", "peak out"),
              )),
        Panel("Most erroring interfaces (top 10)", kind="table", sort_by="errors/s", limit=10,
              description="Mean errors (in + out) and discards per second over the time range.",
              queries=(
                  Query('SELECT mean("errors_per_s") AS "errors/s", mean("in_discards_per_s") AS "in discards/s", '
                        'mean("out_discards_per_s") AS "out discards/s" FROM "snmp_interface" '
                        f'WHERE {influx_where(*IF_WHERE)} GROUP BY "target", "ifName"',
                        f"topk(10, avg_over_time({series('snmp_interface_errors_per_s', IF_SEL)}[$__range]))",
                        "errors/s"),
                  Query(None, f"avg_over_time({series('snmp_interface_in_discards_per_s', IF_SEL)}[$__range])",
                        "in discards/s"),
                  Query(None, f"avg_over_time({series('snmp_interface_out_discards_per_s', IF_SEL)}[$__range])",
                        "out discards/s"),
              )),
        Panel("Interfaces now", kind="table", width=24, height=9,
              description="'down (admin up)': enabled but not up. 'described, down': the same for an "
                          "interface with an ifAlias, which is what the default alert watches.",
              columns={"up": UP_DOWN, "admin": ADMIN_STATUS, "oper": OPER_STATUS, "down (admin up)": PROBLEM,
                       "described, down": PROBLEM},
              units={"speed": "Mbits"},
              queries=(
                  Query('SELECT last("up") AS "up", last("admin_status") AS "admin", last("oper_status") AS "oper", '
                        'last("oper_down") AS "down (admin up)", last("described_down") AS "described, down", '
                        'last("speed_mbps") AS "speed" FROM "snmp_interface" '
                        f'WHERE {influx_where(*IF_WHERE)} GROUP BY "target", "ifName", "ifAlias"',
                        f"last_over_time({series('snmp_interface_up', IF_SEL)}[$__range])", "up"),
                  Query(None, f"last_over_time({series('snmp_interface_admin_status', IF_SEL)}[$__range])",
                        "admin"),
                  Query(None, f"last_over_time({series('snmp_interface_oper_status', IF_SEL)}[$__range])",
                        "oper"),
                  Query(None, f"last_over_time({series('snmp_interface_oper_down', IF_SEL)}[$__range])",
                        "down (admin up)"),
                  Query(None, f"last_over_time({series('snmp_interface_described_down', IF_SEL)}[$__range])",
                        "described, down"),
                  Query(None, f"last_over_time({series('snmp_interface_speed_mbps', IF_SEL)}[$__range])",
                        "speed"),
              )),
        Panel("Device uptime and reboots", kind="table", units={"uptime": "s"},
              description="sysUpTime; 'reboots' counts polls that saw sysUpTime go backwards.",
              queries=(
                  Query('SELECT last("uptime_s") AS "uptime", sum("rebooted") AS "reboots" FROM "snmp_system" '
                        f'WHERE {influx_where(*SYS_WHERE)} GROUP BY "target"',
                        f"last_over_time({series('snmp_system_uptime_s', SYS_SEL)}[$__range])", "uptime"),
                  Query(None, f"sum_over_time({series('snmp_system_rebooted', SYS_SEL)}[$__range])", "reboots"),
              )),
        Panel("Interfaces up and down per device", unit="short",
              description="From each poll's interface summary; 'down' counts enabled interfaces not up.",
              queries=(
                  Query('SELECT last("interfaces") AS "total", last("interfaces_up") AS "up", '
                        'last("interfaces_down") AS "down" FROM "snmp_system" '
                        f'WHERE {influx_where(*SYS_WHERE)} GROUP BY time($__interval), "target" fill(previous)',
                        series("snmp_system_interfaces", SYS_SEL), "{{target}} total",
                        alias="$tag_target $col"),
                  Query(None, series("snmp_system_interfaces_up", SYS_SEL), "{{target}} up"),
                  Query(None, series("snmp_system_interfaces_down", SYS_SEL), "{{target}} down"),
              )),
        Panel("Device reboots", bars=True, unit="short", width=24, height=6,
              queries=(Query('SELECT sum("rebooted") FROM "snmp_system" '
                             f'WHERE {influx_where(*SYS_WHERE)} GROUP BY time($__interval), "target" fill(0)',
                             f"sum_over_time({series('snmp_system_rebooted', SYS_SEL)}[$__interval])",
                             "{{target}}", alias="$tag_target"),)),
    ),
)

# -- Devices (SNMP host profile, custom profiles) ------------------------------------------

DEVICES = Dashboard(
    slug="devices", title="Devices (SNMP)", tags=("snmp", "devices"),
    description="Agent status, CPU, memory and storage (HOST-RESOURCES-MIB, profile host) and UPS "
                "batteries (the ups custom profile of docs/dashboards.md)",
    variables=(
        Variable("site", "Site", 'SHOW TAG VALUES FROM "snmp_system" WITH KEY = "site"',
                 "label_values(snmp_system_up, site)"),
        Variable("device", "Device",
                 f'SHOW TAG VALUES FROM "snmp_system" WITH KEY = "target" WHERE {matches("site", "site")}',
                 'label_values(snmp_system_up{site=~"$site"}, target)'),
    ),
    panels=(
        Panel("Devices now", kind="table", width=24, height=8,
              description="The last poll of each agent. sysName, sysDescr and sysObjectID are text fields: "
                          "VictoriaMetrics keeps numbers only, so its variant leaves them out.",
              columns={"up": UP_DOWN}, units={"uptime": "s", "response": "ms"},
              queries=(
                  Query('SELECT last("up") AS "up", last("sys_name") AS "sysName", last("sys_descr") AS "sysDescr", '
                        'last("sys_object_id") AS "sysObjectID", last("uptime_s") AS "uptime", '
                        'last("response_ms") AS "response", last("profile_errors") AS "profile errors", '
                        'last("missing_oids") AS "missing OIDs" FROM "snmp_system" '
                        f'WHERE {influx_where(*SYS_WHERE)} GROUP BY "site", "target"',
                        f"last_over_time({series('snmp_system_up', SYS_SEL)}[$__range])", "up"),
                  Query(None, f"last_over_time({series('snmp_system_uptime_s', SYS_SEL)}[$__range])", "uptime"),
                  Query(None, f"last_over_time({series('snmp_system_response_ms', SYS_SEL)}[$__range])",
                        "response"),
                  Query(None, f"last_over_time({series('snmp_system_profile_errors', SYS_SEL)}[$__range])",
                        "profile errors"),
                  Query(None, f"last_over_time({series('snmp_system_missing_oids', SYS_SEL)}[$__range])",
                        "missing OIDs"),
              )),
        Panel("Agents not answering", kind="table",
              description="Devices whose last poll failed; 'error' is timeout, auth or the SNMP error "
                          "status (InfluxQL only: a text field).",
              columns={"up": UP_DOWN},
              queries=(Query('SELECT last("up") AS "up", last("error") AS "error" FROM "snmp_system" '
                             f'WHERE {influx_where(*SYS_WHERE)} AND "up" = 0 GROUP BY "site", "target"',
                             f"last_over_time({series('snmp_system_up', SYS_SEL)}[$__range]) == 0", "up"),)),
        Panel("SNMP response time", unit="ms",
              description="Time for the sysUpTime GET that opens every poll.",
              queries=(Query(f'SELECT mean("response_ms") FROM "snmp_system" WHERE {influx_where(*SYS_WHERE)} '
                             'GROUP BY time($__interval), "target" fill(null)',
                             series("snmp_system_response_ms", SYS_SEL), "{{target}}", alias="$tag_target"),)),
        Panel("CPU load (%)", unit="percent", minimum=0, maximum=100,
              description="hrProcessorLoad: mean and busiest core.",
              queries=(
                  Query('SELECT mean("cpu_load_avg") AS "mean", max("cpu_load_max") AS "busiest core" '
                        f'FROM "snmp_system" WHERE {influx_where(*SYS_WHERE)} '
                        'GROUP BY time($__interval), "target" fill(null)',
                        series("snmp_system_cpu_load_avg", SYS_SEL), "{{target}} mean", alias="$tag_target $col"),
                  Query(None, series("snmp_system_cpu_load_max", SYS_SEL), "{{target}} busiest core"),
              )),
        Panel("Memory and fullest disk (%)", unit="percent", minimum=0, maximum=100,
              description="hrStorage: RAM used, and the fullest fixed disk.",
              queries=(
                  Query('SELECT mean("memory_used_pct") AS "memory", max("disk_used_pct_max") AS "fullest disk" '
                        f'FROM "snmp_system" WHERE {influx_where(*SYS_WHERE)} '
                        'GROUP BY time($__interval), "target" fill(null)',
                        series("snmp_system_memory_used_pct", SYS_SEL), "{{target}} memory",
                        alias="$tag_target $col"),
                  Query(None, series("snmp_system_disk_used_pct_max", SYS_SEL), "{{target}} fullest disk"),
              )),
        Panel("Storage used per volume (%)", unit="percent", minimum=0, maximum=100,
              queries=(Query(f'SELECT mean("used_pct") FROM "snmp_storage" WHERE {influx_where(*SYS_WHERE)} '
                             'GROUP BY time($__interval), "target", "storage" fill(null)',
                             series("snmp_storage_used_pct", SYS_SEL), "{{target}} {{storage}}",
                             alias="$tag_target $tag_storage"),)),
        Panel("Storage now", kind="table", sort_by="used %",
              units={"used %": "percent", "used": "bytes", "size": "bytes"},
              queries=(
                  Query('SELECT last("used_pct") AS "used %", last("used_bytes") AS "used", '
                        f'last("size_bytes") AS "size" FROM "snmp_storage" WHERE {influx_where(*SYS_WHERE)} '
                        'GROUP BY "target", "storage", "storage_type"',
                        f"last_over_time({series('snmp_storage_used_pct', SYS_SEL)}[$__range])", "used %"),
                  Query(None, f"last_over_time({series('snmp_storage_used_bytes', SYS_SEL)}[$__range])", "used"),
                  Query(None, f"last_over_time({series('snmp_storage_size_bytes', SYS_SEL)}[$__range])", "size"),
              )),
        Panel("UPS batteries now", kind="table", width=24, height=6,
              description="UPS-MIB through the ups custom profile (docs/dashboards.md). Empty for "
                          "devices without it.",
              columns={"battery": BATTERY_STATUS},
              units={"charge": "percent", "runtime left": "m", "on battery": "s", "temperature": "celsius"},
              queries=(
                  Query('SELECT last("battery_status") AS "battery", last("battery_charge_pct") AS "charge", '
                        'last("battery_minutes_left") AS "runtime left", last("on_battery_s") AS "on battery", '
                        'last("battery_temperature_c") AS "temperature" FROM "snmp_system" '
                        f'WHERE {influx_where(*SYS_WHERE)} GROUP BY "site", "target"',
                        f"last_over_time({series('snmp_system_battery_status', SYS_SEL)}[$__range])", "battery"),
                  Query(None, f"last_over_time({series('snmp_system_battery_charge_pct', SYS_SEL)}[$__range])",
                        "charge"),
                  Query(None, f"last_over_time({series('snmp_system_battery_minutes_left', SYS_SEL)}[$__range])",
                        "runtime left"),
                  Query(None, f"last_over_time({series('snmp_system_on_battery_s', SYS_SEL)}[$__range])",
                        "on battery"),
                  Query(None,
                        f"last_over_time({series('snmp_system_battery_temperature_c', SYS_SEL)}[$__range])",
                        "temperature"),
              )),
        Panel("UPS battery charge (%)", unit="percent", minimum=0, maximum=100,
              queries=(Query(f'SELECT min("battery_charge_pct") FROM "snmp_system" WHERE {influx_where(*SYS_WHERE)} '
                             'GROUP BY time($__interval), "target" fill(null)',
                             series("snmp_system_battery_charge_pct", SYS_SEL), "{{target}}",
                             alias="$tag_target"),)),
        Panel("UPS runtime left (minutes)", unit="m",
              queries=(Query('SELECT min("battery_minutes_left") FROM "snmp_system" '
                             f'WHERE {influx_where(*SYS_WHERE)} GROUP BY time($__interval), "target" fill(null)',
                             series("snmp_system_battery_minutes_left", SYS_SEL), "{{target}}",
                             alias="$tag_target"),)),
    ),
)

# -- Stores and tills (POS) ----------------------------------------------------------------

POS_WHERE = (matches("site", "site"), matches("store", "store"))
STORE_WHERE = (*POS_WHERE, "\"terminal\" = ''")
TILL_WHERE = (*POS_WHERE, "\"terminal\" != ''")
STORE_SEL = 'site=~"$site",store=~"$store",terminal=""'
TILL_SEL = 'site=~"$site",store=~"$store",terminal!=""'

POS = Dashboard(
    slug="pos", title="Stores and tills (POS)", tags=("pos",),
    description="Store state, till heartbeats and availability in opening hours, from the pos "
                "measurement (store rows have no terminal tag, till rows have one)",
    refresh="30s", time_from="now-24h",
    variables=(
        Variable("site", "Site", 'SHOW TAG VALUES FROM "pos" WITH KEY = "site"', "label_values(pos_up, site)"),
        Variable("store", "Store", f'SHOW TAG VALUES FROM "pos" WITH KEY = "store" WHERE {matches("site", "site")}',
                 'label_values(pos_up{site=~"$site"}, store)'),
    ),
    panels=(
        Panel("Stores now", kind="stat", width=24, height=5, mappings=STORE_STATUS,
              description="open (green), closed outside opening hours (grey), DOWN (red): too many tills "
                          "silent or the WAN router down while open.",
              queries=(Query('SELECT last("up") * (1 + last("open")) AS "status" FROM "pos" '
                             f'WHERE {influx_where(*STORE_WHERE)} GROUP BY "store"',
                             f"last_over_time({series('pos_up', STORE_SEL)}[$__range]) * "
                             f"(1 + last_over_time({series('pos_open', STORE_SEL)}[$__range]))",
                             "{{store}}", alias="$tag_store"),)),
        Panel("Stores: tills and WAN router now", kind="table", width=24, height=7,
              columns={"state": STATES, "WAN router": UP_DOWN},
              description="'state' is InfluxQL only (a text field); the VictoriaMetrics variant shows "
                          "the numbers.",
              queries=(
                  Query('SELECT last("state") AS "state", last("terminals_up") AS "tills up", '
                        'last("terminals_down") AS "tills down", last("terminals_closed") AS "tills closed", '
                        'last("terminals_expected") AS "tills expected", last("router_up") AS "WAN router" '
                        f'FROM "pos" WHERE {influx_where(*STORE_WHERE)} GROUP BY "site", "store"',
                        f"last_over_time({series('pos_terminals_up', STORE_SEL)}[$__range])", "tills up"),
                  Query(None, f"last_over_time({series('pos_terminals_down', STORE_SEL)}[$__range])",
                        "tills down"),
                  Query(None, f"last_over_time({series('pos_terminals_closed', STORE_SEL)}[$__range])",
                        "tills closed"),
                  Query(None, f"last_over_time({series('pos_terminals_expected', STORE_SEL)}[$__range])",
                        "tills expected"),
                  Query(None, f"last_over_time({series('pos_router_up', STORE_SEL)}[$__range])", "WAN router"),
              )),
        Panel("Store availability in opening hours (%)", kind="bargauge", unit="percent", minimum=0,
              maximum=100,
              description="Share of the store's results while open (open = 1) that were not DOWN.",
              queries=(Query('SELECT mean("up") * 100 AS "availability" FROM "pos" '
                             f'WHERE {influx_where(*STORE_WHERE)} AND "open" = 1 GROUP BY "store"',
                             f"100 * avg_over_time(({series('pos_up', STORE_SEL)} and "
                             f"{series('pos_open', STORE_SEL)} == 1)[$__range:$__interval])",
                             "{{store}}", alias="$tag_store"),)),
        Panel("Tills down per store", bars=True, unit="short",
              queries=(Query('SELECT max("terminals_down") FROM "pos" '
                             f'WHERE {influx_where(*STORE_WHERE)} GROUP BY time($__interval), "store" fill(null)',
                             f"max_over_time({series('pos_terminals_down', STORE_SEL)}[$__interval])",
                             "{{store}}", alias="$tag_store"),)),
        Panel("Heartbeat age per till", unit="s",
              description="Seconds since the till's last heartbeat, as judged at each evaluation.",
              queries=(Query('SELECT max("heartbeat_age") FROM "pos" '
                             f'WHERE {influx_where(*TILL_WHERE)} GROUP BY time($__interval), "store", "terminal" '
                             'fill(null)',
                             series("pos_heartbeat_age", TILL_SEL), "{{store}}/{{terminal}}",
                             alias="$tag_store/$tag_terminal"),)),
        Panel("Tills now", kind="table", width=24, height=9, sort_by="heartbeat age",
              columns={"state": STATES, "up": UP_DOWN, "alive": YES_NO},
              units={"heartbeat age": "s", "interval": "s", "last sale": "s"},
              description="'up' is the verdict (0 only when silent in opening hours); 'alive' says "
                          "heartbeats arrive. state, version and printer are InfluxQL only (text).",
              queries=(
                  Query('SELECT last("state") AS "state", last("up") AS "up", last("alive") AS "alive", '
                        'last("heartbeat_age") AS "heartbeat age", last("interval") AS "interval", '
                        'last("heartbeats") AS "heartbeats", last("version") AS "version", '
                        'last("printer") AS "printer", last("queue_length") AS "queue", '
                        'last("last_transaction_age") AS "last sale" '
                        f'FROM "pos" WHERE {influx_where(*TILL_WHERE)} GROUP BY "store", "terminal"',
                        f"last_over_time({series('pos_up', TILL_SEL)}[$__range])", "up"),
                  Query(None, f"last_over_time({series('pos_alive', TILL_SEL)}[$__range])", "alive"),
                  Query(None, f"last_over_time({series('pos_heartbeat_age', TILL_SEL)}[$__range])",
                        "heartbeat age"),
                  Query(None, f"last_over_time({series('pos_interval', TILL_SEL)}[$__range])", "interval"),
                  Query(None, f"last_over_time({series('pos_heartbeats', TILL_SEL)}[$__range])", "heartbeats"),
                  Query(None, f"last_over_time({series('pos_queue_length', TILL_SEL)}[$__range])", "queue"),
                  Query(None, f"last_over_time({series('pos_last_transaction_age', TILL_SEL)}[$__range])",
                        "last sale"),
              )),
        Panel("Time since the last sale per till", unit="s",
              queries=(Query('SELECT max("last_transaction_age") FROM "pos" '
                             f'WHERE {influx_where(*TILL_WHERE)} GROUP BY time($__interval), "store", "terminal" '
                             'fill(null)',
                             series("pos_last_transaction_age", TILL_SEL), "{{store}}/{{terminal}}",
                             alias="$tag_store/$tag_terminal"),)),
        Panel("Till print queue length", unit="short",
              queries=(Query('SELECT max("queue_length") FROM "pos" '
                             f'WHERE {influx_where(*TILL_WHERE)} GROUP BY time($__interval), "store", "terminal" '
                             'fill(null)',
                             series("pos_queue_length", TILL_SEL), "{{store}}/{{terminal}}",
                             alias="$tag_store/$tag_terminal"),)),
    ),
)

# -- Servers (SSH logs and backups) --------------------------------------------------------

SRV_WHERE = (matches("site", "site"), matches("target", "server"))
SRV_SEL = 'site=~"$site",target=~"$server"'

SERVERS = Dashboard(
    slug="servers", title="Servers (logs and backups over SSH)", tags=("ssh", "backup", "logs"),
    description="Log lines matched per rule and severity (ssh_log probe, measurement log) and the "
                "newest backup's age, size and checks (backup probe, measurement backup)",
    variables=(
        Variable("site", "Site", 'SHOW TAG VALUES FROM "log", "backup" WITH KEY = "site"',
                 'label_values({__name__=~"log_up|backup_up"}, site)'),
        Variable("server", "Server",
                 f'SHOW TAG VALUES FROM "log", "backup" WITH KEY = "target" WHERE {matches("site", "site")}',
                 'label_values({__name__=~"log_up|backup_up",site=~"$site"}, target)'),
    ),
    panels=(
        Panel("Matched log lines per rule", bars=True, stacked=True, unit="short",
              description="Lines each rule matched (rule_<name> fields: the built-in oom, disk_io and "
                          "error rules and your own).",
              queries=(Query('SELECT sum(/^rule_/) FROM "log" '
                             f'WHERE {influx_where(*SRV_WHERE)} GROUP BY time($__interval), "target" fill(0)',
                             f'sum_over_time({{__name__=~"log_rule_.+",{SRV_SEL}}}[$__interval]) keep_metric_names',
                             "{{target}} {{__name__}}", alias="$tag_target $col"),)),
        Panel("Matched log lines per severity", bars=True, stacked=True, unit="short",
              queries=(Query('SELECT sum(/^severity_/) FROM "log" '
                             f'WHERE {influx_where(*SRV_WHERE)} GROUP BY time($__interval), "target" fill(0)',
                             f'sum_over_time({{__name__=~"log_severity_.+",{SRV_SEL}}}[$__interval]) '
                             "keep_metric_names",
                             "{{target}} {{__name__}}", alias="$tag_target $col"),)),
        Panel("Log lines read", bars=True, unit="short",
              queries=(
                  Query('SELECT sum("lines") AS "lines" FROM "log" '
                        f'WHERE {influx_where(*SRV_WHERE)} GROUP BY time($__interval), "target" fill(0)',
                        f"sum_over_time({series('log_lines', SRV_SEL)}[$__interval])", "{{target}}",
                        alias="$tag_target $col"),
              )),
        Panel("Log bytes read and backlog", unit="bytes",
              description="Backlog: bytes left unread because a run hit max_bytes_per_run.",
              queries=(
                  Query('SELECT sum("bytes") AS "read", max("backlog_bytes") AS "backlog" FROM "log" '
                        f'WHERE {influx_where(*SRV_WHERE)} GROUP BY time($__interval), "target" fill(null)',
                        f"sum_over_time({series('log_bytes', SRV_SEL)}[$__interval])", "{{target}} read",
                        alias="$tag_target $col"),
                  Query(None, f"max_over_time({series('log_backlog_bytes', SRV_SEL)}[$__interval])",
                        "{{target}} backlog"),
              )),
        Panel("Log files now", kind="table", width=24, height=6, columns={"reachable": UP_DOWN},
              description="Rotations, lost rotations (the file rotated twice between runs) and "
                          "truncations are counted over the time range.",
              queries=(
                  Query('SELECT last("up") AS "reachable", last("files") AS "files read", '
                        'last("files_missing") AS "missing", last("files_unreadable") AS "unreadable", '
                        'sum("rotations") AS "rotations", sum("rotations_lost") AS "rotations lost", '
                        f'sum("truncations") AS "truncations" FROM "log" WHERE {influx_where(*SRV_WHERE)} '
                        'GROUP BY "site", "target"',
                        f"last_over_time({series('log_up', SRV_SEL)}[$__range])", "reachable"),
                  Query(None, f"last_over_time({series('log_files', SRV_SEL)}[$__range])", "files read"),
                  Query(None, f"last_over_time({series('log_files_missing', SRV_SEL)}[$__range])", "missing"),
                  Query(None, f"last_over_time({series('log_files_unreadable', SRV_SEL)}[$__range])",
                        "unreadable"),
                  Query(None, f"sum_over_time({series('log_rotations', SRV_SEL)}[$__range])", "rotations"),
                  Query(None, f"sum_over_time({series('log_rotations_lost', SRV_SEL)}[$__range])",
                        "rotations lost"),
                  Query(None, f"sum_over_time({series('log_truncations', SRV_SEL)}[$__range])", "truncations"),
              )),
        Panel("Last verified backup per server", kind="table", width=24, height=6,
              units={"age": "s", "size": "bytes"},
              description="The newest backup at the last run whose checksum and verify command passed "
                          "(only backups with checksum or verify_command configured are verified).",
              queries=(
                  Query('SELECT last("age_s") AS "age", last("size_bytes") AS "size" FROM "backup" '
                        f'WHERE {influx_where(*SRV_WHERE)} AND "verified" = 1 GROUP BY "site", "target", "directory"',
                        f"last_over_time({series('backup_age_s', SRV_SEL)}[$__range]) and "
                        f"last_over_time({series('backup_verified', SRV_SEL)}[$__range]) == 1", "age"),
                  Query(None, f"last_over_time({series('backup_size_bytes', SRV_SEL)}[$__range]) and "
                              f"last_over_time({series('backup_verified', SRV_SEL)}[$__range]) == 1", "size"),
              )),
        Panel("Backups now", kind="table", width=24, height=7,
              columns={"reachable": UP_DOWN, "verified": YES_NO, "checksum": YES_NO, "verify command": YES_NO,
                       "missing": PROBLEM, "stale": PROBLEM, "too small": PROBLEM, "shrunk": PROBLEM},
              units={"age": "s", "size": "bytes", "previous size": "bytes", "shrink": "percentunit"},
              queries=(
                  Query('SELECT last("up") AS "reachable", last("files") AS "files", last("age_s") AS "age", '
                        'last("size_bytes") AS "size", last("previous_size_bytes") AS "previous size", '
                        'last("shrink_share") AS "shrink", last("missing") AS "missing", last("stale") AS "stale", '
                        'last("too_small") AS "too small", last("shrunk") AS "shrunk", last("verified") AS "verified", '
                        'last("checksum_ok") AS "checksum", last("verify_ok") AS "verify command" FROM "backup" '
                        f'WHERE {influx_where(*SRV_WHERE)} GROUP BY "site", "target", "directory"',
                        f"last_over_time({series('backup_up', SRV_SEL)}[$__range])", "reachable"),
                  *(Query(None, f"last_over_time({series('backup_' + name, SRV_SEL)}[$__range])", column)
                    for name, column in (("files", "files"), ("age_s", "age"), ("size_bytes", "size"),
                                         ("previous_size_bytes", "previous size"), ("shrink_share", "shrink"),
                                         ("missing", "missing"), ("stale", "stale"), ("too_small", "too small"),
                                         ("shrunk", "shrunk"), ("verified", "verified"),
                                         ("checksum_ok", "checksum"), ("verify_ok", "verify command"))),
              )),
        Panel("Newest backup age", unit="s",
              queries=(Query(f'SELECT last("age_s") FROM "backup" WHERE {influx_where(*SRV_WHERE)} '
                             'GROUP BY time($__interval), "target", "directory" fill(null)',
                             series("backup_age_s", SRV_SEL), "{{target}} {{directory}}",
                             alias="$tag_target $tag_directory"),)),
        Panel("Newest backup size", unit="bytes",
              queries=(
                  Query('SELECT last("size_bytes") AS "newest", last("previous_size_bytes") AS "previous" '
                        f'FROM "backup" WHERE {influx_where(*SRV_WHERE)} '
                        'GROUP BY time($__interval), "target", "directory" fill(null)',
                        series("backup_size_bytes", SRV_SEL), "{{target}} {{directory}} newest",
                        alias="$tag_target $tag_directory $col"),
                  Query(None, series("backup_previous_size_bytes", SRV_SEL), "{{target}} {{directory}} previous"),
              )),
        Panel("Backup failures over time", bars=True, stacked=True, width=24, height=7, unit="short",
              description="Each bar is a finding in that interval: missing, stale, too small, shrunk, "
                          "not verified, or the server unreachable over SSH.",
              queries=(
                  Query('SELECT max("missing") AS "missing", max("stale") AS "stale", '
                        'max("too_small") AS "too small", max("shrunk") AS "shrunk", '
                        '1 - min("verified") AS "not verified", 1 - min("up") AS "unreachable" FROM "backup" '
                        f'WHERE {influx_where(*SRV_WHERE)} GROUP BY time($__interval), "target" fill(null)',
                        f"max_over_time({series('backup_missing', SRV_SEL)}[$__interval])", "{{target}} missing",
                        alias="$tag_target $col"),
                  Query(None, f"max_over_time({series('backup_stale', SRV_SEL)}[$__interval])", "{{target}} stale"),
                  Query(None, f"max_over_time({series('backup_too_small', SRV_SEL)}[$__interval])",
                        "{{target}} too small"),
                  Query(None, f"max_over_time({series('backup_shrunk', SRV_SEL)}[$__interval])",
                        "{{target}} shrunk"),
                  Query(None, f"1 - min_over_time({series('backup_verified', SRV_SEL)}[$__interval])",
                        "{{target}} not verified"),
                  Query(None, f"1 - min_over_time({series('backup_up', SRV_SEL)}[$__interval])",
                        "{{target}} unreachable"),
              )),
    ),
)

# -- Service checks (TCP today) ------------------------------------------------------------

TCP_WHERE = (matches("site", "site"), matches("target", "target"))
TCP_SEL = 'site=~"$site",target=~"$target"'

SERVICES = Dashboard(
    slug="services", title="Service checks (TCP)", tags=("tcp", "services"),
    description="TCP connect checks: status, connect time, availability. The http, tls and dns "
                "kinds do not exist yet; their panels come with them",
    variables=(
        Variable("site", "Site", 'SHOW TAG VALUES FROM "tcp" WITH KEY = "site"', "label_values(tcp_up, site)"),
        Variable("target", "Service",
                 f'SHOW TAG VALUES FROM "tcp" WITH KEY = "target" WHERE {matches("site", "site")}',
                 'label_values(tcp_up{site=~"$site"}, target)'),
    ),
    panels=(
        Panel("Services now", kind="table", columns={"up": UP_DOWN}, units={"connect": "ms"}, sort_by=None,
              queries=(
                  Query('SELECT last("up") AS "up", last("connect_ms") AS "connect" FROM "tcp" '
                        f'WHERE {influx_where(*TCP_WHERE)} GROUP BY "site", "target", "port"',
                        f"last_over_time({series('tcp_up', TCP_SEL)}[$__range])", "up"),
                  Query(None, f"last_over_time({series('tcp_connect_ms', TCP_SEL)}[$__range])", "connect"),
              )),
        Panel("Availability (%)", kind="bargauge", unit="percent", minimum=0, maximum=100,
              queries=(Query(f'SELECT mean("up") * 100 AS "availability" FROM "tcp" WHERE {influx_where(*TCP_WHERE)} '
                             'GROUP BY "target"',
                             f"100 * avg_over_time({series('tcp_up', TCP_SEL)}[$__range])", "{{target}}",
                             alias="$tag_target"),)),
        Panel("Status over time", kind="state-timeline", width=24, height=6, mappings=UP_DOWN,
              queries=(Query(f'SELECT min("up") FROM "tcp" WHERE {influx_where(*TCP_WHERE)} '
                             'GROUP BY time($__interval), "target" fill(null)',
                             f"min_over_time({series('tcp_up', TCP_SEL)}[$__interval])", "{{target}}",
                             alias="$tag_target"),)),
        Panel("Connect time", unit="ms", width=24,
              queries=(Query(f'SELECT mean("connect_ms") FROM "tcp" WHERE {influx_where(*TCP_WHERE)} '
                             'GROUP BY time($__interval), "target" fill(null)',
                             series("tcp_connect_ms", TCP_SEL), "{{target}}", alias="$tag_target"),)),
    ),
)

# -- ICMP, VictoriaMetrics variant of the hand-written monitord-icmp.json --------------------

ICMP_SEL = 'site=~"$site",target=~"$target"'

ICMP = Dashboard(
    slug="icmp", title="ICMP loss, RTT and jitter", tags=("icmp",), variants=("promql",),
    description="Smokeping-style latency and loss from the icmp probe; the InfluxQL variant is the "
                "hand-written monitord-icmp.json",
    variables=(
        Variable("site", "Site", None, "label_values(icmp_up, site)"),
        Variable("target", "Target", None, 'label_values(icmp_up{site=~"$site"}, target)'),
    ),
    panels=(
        Panel("RTT and jitter (Smokeping style)", unit="ms", height=9,
              queries=(
                  Query(None, f"min_over_time({series('icmp_rtt_min_ms', ICMP_SEL)}[$__interval])",
                        "{{target}} min"),
                  Query(None, f"max_over_time({series('icmp_rtt_max_ms', ICMP_SEL)}[$__interval])",
                        "{{target}} max"),
                  Query(None, f"avg_over_time({series('icmp_rtt_median_ms', ICMP_SEL)}[$__interval])",
                        "{{target}} median"),
                  Query(None, f"avg_over_time({series('icmp_rtt_avg_ms', ICMP_SEL)}[$__interval])",
                        "{{target}} avg"),
                  Query(None, f"avg_over_time({series('icmp_rtt_stddev_ms', ICMP_SEL)}[$__interval])",
                        "{{target}} jitter (stddev)"),
              )),
        Panel("Packet loss per target (%)", unit="percent", height=9,
              queries=(Query(None, f"avg_over_time({series('icmp_loss_pct', ICMP_SEL)}[$__interval])",
                             "{{target}}"),)),
        Panel("Packet loss per site (%)", unit="percent",
              queries=(Query(None, f"avg by (site) (avg_over_time({series('icmp_loss_pct', ICMP_SEL)}"
                                   "[$__interval]))", "{{site}}"),)),
        Panel("Median RTT per site (ms)", unit="ms",
              queries=(Query(None, f"avg by (site) (avg_over_time({series('icmp_rtt_median_ms', ICMP_SEL)}"
                                   "[$__interval]))", "{{site}}"),)),
        Panel("Reachability now (last result per target)", kind="table", width=24, columns={"up": UP_DOWN},
              queries=(
                  Query(None, f"last_over_time({series('icmp_up', ICMP_SEL)}[$__range])", "up"),
                  Query(None, f"last_over_time({series('icmp_loss_pct', ICMP_SEL)}[$__range])", "loss %"),
                  Query(None, f"last_over_time({series('icmp_rtt_median_ms', ICMP_SEL)}[$__range])",
                        "median ms"),
              )),
    ),
)

# -- Alerts and tickets (PostgreSQL state store) -------------------------------------------
# Times in the state store are UTC epoch seconds (floats): Grafana's $__unixEpoch* macros.


def sql(statement: str) -> Query:
    return Query(None, None, sql=statement)


TICKETS = Dashboard(
    slug="tickets", title="Alerts and tickets", tags=("alerts", "tickets"), variants=("sql",),
    time_from="now-30d", refresh="5m",
    description="Firing alerts and the ticket record from the state store (storage.state_url on "
                "PostgreSQL; a SQLite state store cannot be read by Grafana)",
    variables=(
        Variable("site", "Site", None, None, sql="SELECT DISTINCT site FROM tickets ORDER BY 1"),
        Variable("priority", "Priority", None, None, sql="SELECT DISTINCT priority FROM tickets ORDER BY 1"),
    ),
    panels=(
        Panel("Firing alerts now", kind="table", width=24, height=7,
              queries=(sql("SELECT rule, target, labels->>'site' AS site, to_timestamp(fired_at) AS \"firing since\", "
                             "summary, ticket_id AS ticket FROM alert_state WHERE status = 'firing' "
                             "AND (labels->>'site') IN ($site) ORDER BY fired_at"),)),
        Panel("Open tickets by priority", kind="bargauge", unit="short", width=8,
              queries=(sql("SELECT priority AS metric, count(*) AS value FROM tickets "
                             "WHERE status IN ('open', 'acknowledged') AND site IN ($site) "
                             "AND priority IN ($priority) GROUP BY priority ORDER BY priority"),)),
        Panel("Tickets opened per day by priority", kind="timeseries", bars=True, stacked=True, unit="short",
              width=8,
              queries=(sql("SELECT $__unixEpochGroupAlias(opened_at, '1d'), priority AS metric, count(*) AS value "
                             "FROM tickets WHERE $__unixEpochFilter(opened_at) AND site IN ($site) "
                             "AND priority IN ($priority) GROUP BY 1, 2 ORDER BY 1"),)),
        Panel("Tickets closed per day by priority", kind="timeseries", bars=True, stacked=True, unit="short",
              width=8,
              queries=(sql("SELECT $__unixEpochGroupAlias(closed_at, '1d'), priority AS metric, count(*) AS value "
                             "FROM tickets WHERE closed_at IS NOT NULL AND $__unixEpochFilter(closed_at) "
                             "AND site IN ($site) AND priority IN ($priority) GROUP BY 1, 2 ORDER BY 1"),)),
        Panel("Time to acknowledge and repair by priority", kind="table",
              units={"mean to acknowledge": "s", "mean to repair": "s", "longest repair": "s"},
              description="Repair: opened to resolved (every alert recovered, or resolved by hand).",
              queries=(sql("SELECT priority, count(*) AS tickets, "
                             "avg(acknowledged_at - opened_at) AS \"mean to acknowledge\", "
                             "avg(resolved_at - opened_at) AS \"mean to repair\", "
                             "max(resolved_at - opened_at) AS \"longest repair\" FROM tickets "
                             "WHERE $__unixEpochFilter(opened_at) AND site IN ($site) AND priority IN ($priority) "
                             "GROUP BY priority ORDER BY priority"),)),
        Panel("Mean repair time per day", kind="timeseries", unit="s",
              queries=(sql("SELECT $__unixEpochGroupAlias(resolved_at, '1d'), priority AS metric, "
                             "avg(resolved_at - opened_at) AS value FROM tickets "
                             "WHERE resolved_at IS NOT NULL AND $__unixEpochFilter(resolved_at) "
                             "AND site IN ($site) AND priority IN ($priority) GROUP BY 1, 2 ORDER BY 1"),)),
        Panel("Tickets", kind="table", width=24, height=10, columns={"status": STATES},
              queries=(sql("SELECT id, title, priority, status, site, target, repeat_count AS repeats, "
                             "to_timestamp(opened_at) AS opened, to_timestamp(acknowledged_at) AS acknowledged, "
                             "to_timestamp(resolved_at) AS resolved, to_timestamp(closed_at) AS closed, root_cause "
                             "FROM tickets WHERE $__unixEpochFilter(opened_at) AND site IN ($site) "
                             "AND priority IN ($priority) ORDER BY opened_at DESC LIMIT 200"),)),
    ),
)

CATALOGUE = (INTERFACES, DEVICES, POS, SERVERS, SERVICES, ICMP, TICKETS)


def rendered() -> dict[str, dict[str, Any]]:
    """File name -> dashboard JSON model, for every generated dashboard."""
    files = {}
    for dashboard in CATALOGUE:
        for variant in dashboard.variants:
            model = render(dashboard, variant)
            files[f"{model['uid']}.json"] = model
    return files


def main(argv: list[str]) -> int:
    if "--sketch" in argv:  # the layouts drawn in docs/dashboards.md
        for name, model in rendered().items():
            if not name.endswith("-victoriametrics.json"):
                print(f"{name}\n{sketch(model)}")
        return 0
    stale = []
    for name, model in rendered().items():
        path = DASHBOARDS / name
        wanted = text(model)
        if "--check" in argv:
            if not path.exists() or path.read_text() != wanted:
                stale.append(name)
        else:
            path.write_text(wanted)
    if stale:
        print("out of date, run python3 config/grafana/generate.py:", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
