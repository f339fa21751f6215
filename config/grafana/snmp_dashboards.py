"""The SNMP dashboards: network interfaces (IF-MIB) and devices (HOST-RESOURCES, UPS-MIB)."""

# The InfluxQL/SQL here is dashboard text, never executed (S608), and a query reads better
# on one line than cut at 110 characters (E501).
# ruff: noqa: S608, E501

from __future__ import annotations

from typing import Any

from grafana_json import (
    ADMIN_STATUS,
    BATTERY_STATUS,
    OPER_STATUS,
    PROBLEM,
    UP_DOWN,
    Dashboard,
    Panel,
    Query,
    Variable,
    influx_where,
    matches,
    series,
)

# -- Network interfaces (SNMP) ----------------------------------------------------------------

IF_WHERE = (
    matches("site", "site"),
    matches("target", "device"),
    matches("ifName", "interface"),
    matches("ifAlias", "alias"),
)
IF_SEL = 'site=~"$site",target=~"$device",ifName=~"$interface",ifAlias=~"$alias"'
SYS_WHERE = (matches("site", "site"), matches("target", "device"))
SYS_SEL = 'site=~"$site",target=~"$device"'


def if_pair(title: str, field_in: str, field_out: str, unit: str, description: str, **extra: Any) -> Panel:
    """In and out of one interface figure, per device and interface; out drawn below the axis."""
    where = influx_where(*IF_WHERE)
    return Panel(
        title=title,
        unit=unit,
        description=description,
        negative=" out$",
        **extra,
        queries=(
            Query(
                f'SELECT mean("{field_in}") AS "in", mean("{field_out}") AS "out" FROM "snmp_interface" '
                f'WHERE {where} GROUP BY time($__interval), "target", "ifName" fill(null)',
                series(f"snmp_interface_{field_in}", IF_SEL),
                "{{target}} {{ifName}} in",
                alias="$tag_target $tag_ifName $col",
            ),
            Query(None, series(f"snmp_interface_{field_out}", IF_SEL), "{{target}} {{ifName}} out"),
        ),
    )


INTERFACES = Dashboard(
    slug="interfaces",
    title="Network interfaces (SNMP)",
    tags=("snmp", "interfaces"),
    description="Traffic, utilisation, errors, discards and status per device and interface, from "
    "the snmp probe's interfaces profile (IF-MIB ifTable/ifXTable)",
    variables=(
        Variable(
            "site",
            "Site",
            'SHOW TAG VALUES FROM "snmp_interface" WITH KEY = "site"',
            "label_values(snmp_interface_up, site)",
        ),
        Variable(
            "device",
            "Device",
            f'SHOW TAG VALUES FROM "snmp_interface" WITH KEY = "target" WHERE {matches("site", "site")}',
            'label_values(snmp_interface_up{site=~"$site"}, target)',
        ),
        Variable(
            "interface",
            "Interface (ifName)",
            f'SHOW TAG VALUES FROM "snmp_interface" WITH KEY = "ifName" WHERE {matches("target", "device")}',
            'label_values(snmp_interface_up{target=~"$device"}, ifName)',
        ),
        Variable(
            "alias",
            "Description (ifAlias)",
            f'SHOW TAG VALUES FROM "snmp_interface" WITH KEY = "ifAlias" WHERE {matches("target", "device")}',
            'label_values(snmp_interface_up{target=~"$device"}, ifAlias)',
        ),
    ),
    panels=(
        if_pair(
            "Traffic (bits/s)",
            "in_bps",
            "out_bps",
            "bps",
            width=24,
            height=9,
            description="Octet counters (64-bit where the agent has ifXTable) as bits per second; "
            "out is drawn below the axis. No point after a device restart or a counter "
            "discontinuity (a gap, not a false spike).",
        ),
        if_pair(
            "Utilisation (% of ifSpeed/ifHighSpeed)",
            "in_util_pct",
            "out_util_pct",
            "percent",
            "Rate against the interface speed the agent reports.",
            minimum=-100,
            maximum=100,
        ),
        if_pair("Unicast packets per second", "in_pps", "out_pps", "pps", "ifHCIn/OutUcastPkts as a rate."),
        if_pair(
            "Errors per second",
            "in_errors_per_s",
            "out_errors_per_s",
            "short",
            "ifIn/OutErrors as a rate: CRC, framing, late collisions.",
        ),
        if_pair(
            "Discards per second",
            "in_discards_per_s",
            "out_discards_per_s",
            "short",
            "ifIn/OutDiscards as a rate: buffers full, usually congestion.",
        ),
        Panel(
            "Operational status over time",
            kind="state-timeline",
            width=24,
            height=7,
            mappings=OPER_STATUS,
            description="ifOperStatus per interface (1 up, 2 down, 7 lowerLayerDown ...).",
            queries=(
                Query(
                    f'SELECT last("oper_status") FROM "snmp_interface" WHERE {influx_where(*IF_WHERE)} '
                    'GROUP BY time($__interval), "target", "ifName" fill(previous)',
                    series("snmp_interface_oper_status", IF_SEL),
                    "{{target}} {{ifName}}",
                    alias="$tag_target $tag_ifName",
                ),
            ),
        ),
        Panel(
            "Busiest interfaces (top 10 by peak utilisation)",
            kind="table",
            sort_by="peak util %",
            limit=10,
            units={"peak util %": "percent", "mean util %": "percent", "peak in": "bps", "peak out": "bps"},
            queries=(
                Query(
                    'SELECT max("util_pct") AS "peak util %", mean("util_pct") AS "mean util %", '
                    'max("in_bps") AS "peak in", max("out_bps") AS "peak out" FROM "snmp_interface" '
                    f'WHERE {influx_where(*IF_WHERE)} GROUP BY "target", "ifName"',
                    f"topk(10, max_over_time({series('snmp_interface_util_pct', IF_SEL)}[$__range]))",
                    "peak util %",
                ),
                Query(None, f"max_over_time({series('snmp_interface_in_bps', IF_SEL)}[$__range])", "peak in"),
                Query(
                    None, f"max_over_time({series('snmp_interface_out_bps', IF_SEL)}[$__range])", "peak out"
                ),
            ),
        ),
        Panel(
            "Most erroring interfaces (top 10)",
            kind="table",
            sort_by="errors/s",
            limit=10,
            description="Mean errors (in + out) and discards per second over the time range.",
            queries=(
                Query(
                    'SELECT mean("errors_per_s") AS "errors/s", mean("in_discards_per_s") AS "in discards/s", '
                    'mean("out_discards_per_s") AS "out discards/s" FROM "snmp_interface" '
                    f'WHERE {influx_where(*IF_WHERE)} GROUP BY "target", "ifName"',
                    f"topk(10, avg_over_time({series('snmp_interface_errors_per_s', IF_SEL)}[$__range]))",
                    "errors/s",
                ),
                Query(
                    None,
                    f"avg_over_time({series('snmp_interface_in_discards_per_s', IF_SEL)}[$__range])",
                    "in discards/s",
                ),
                Query(
                    None,
                    f"avg_over_time({series('snmp_interface_out_discards_per_s', IF_SEL)}[$__range])",
                    "out discards/s",
                ),
            ),
        ),
        Panel(
            "Interfaces now",
            kind="table",
            width=24,
            height=9,
            description="'down (admin up)': enabled but not up. 'described, down': the same for an "
            "interface with an ifAlias, which is what the default alert watches.",
            columns={
                "up": UP_DOWN,
                "admin": ADMIN_STATUS,
                "oper": OPER_STATUS,
                "down (admin up)": PROBLEM,
                "described, down": PROBLEM,
            },
            units={"speed": "Mbits"},
            queries=(
                Query(
                    'SELECT last("up") AS "up", last("admin_status") AS "admin", last("oper_status") AS "oper", '
                    'last("oper_down") AS "down (admin up)", last("described_down") AS "described, down", '
                    'last("speed_mbps") AS "speed" FROM "snmp_interface" '
                    f'WHERE {influx_where(*IF_WHERE)} GROUP BY "target", "ifName", "ifAlias"',
                    f"last_over_time({series('snmp_interface_up', IF_SEL)}[$__range])",
                    "up",
                ),
                Query(
                    None,
                    f"last_over_time({series('snmp_interface_admin_status', IF_SEL)}[$__range])",
                    "admin",
                ),
                Query(
                    None, f"last_over_time({series('snmp_interface_oper_status', IF_SEL)}[$__range])", "oper"
                ),
                Query(
                    None,
                    f"last_over_time({series('snmp_interface_oper_down', IF_SEL)}[$__range])",
                    "down (admin up)",
                ),
                Query(
                    None,
                    f"last_over_time({series('snmp_interface_described_down', IF_SEL)}[$__range])",
                    "described, down",
                ),
                Query(
                    None, f"last_over_time({series('snmp_interface_speed_mbps', IF_SEL)}[$__range])", "speed"
                ),
            ),
        ),
        Panel(
            "Device uptime and reboots",
            kind="table",
            units={"uptime": "s"},
            description="sysUpTime; 'reboots' counts polls that saw sysUpTime go backwards.",
            queries=(
                Query(
                    'SELECT last("uptime_s") AS "uptime", sum("rebooted") AS "reboots" FROM "snmp_system" '
                    f'WHERE {influx_where(*SYS_WHERE)} GROUP BY "target"',
                    f"last_over_time({series('snmp_system_uptime_s', SYS_SEL)}[$__range])",
                    "uptime",
                ),
                Query(None, f"sum_over_time({series('snmp_system_rebooted', SYS_SEL)}[$__range])", "reboots"),
            ),
        ),
        Panel(
            "Interfaces up and down per device",
            unit="short",
            description="From each poll's interface summary; 'down' counts enabled interfaces not up.",
            queries=(
                Query(
                    'SELECT last("interfaces") AS "total", last("interfaces_up") AS "up", '
                    'last("interfaces_down") AS "down" FROM "snmp_system" '
                    f'WHERE {influx_where(*SYS_WHERE)} GROUP BY time($__interval), "target" fill(previous)',
                    series("snmp_system_interfaces", SYS_SEL),
                    "{{target}} total",
                    alias="$tag_target $col",
                ),
                Query(None, series("snmp_system_interfaces_up", SYS_SEL), "{{target}} up"),
                Query(None, series("snmp_system_interfaces_down", SYS_SEL), "{{target}} down"),
            ),
        ),
        Panel(
            "Device reboots",
            bars=True,
            unit="short",
            width=24,
            height=6,
            queries=(
                Query(
                    'SELECT sum("rebooted") FROM "snmp_system" '
                    f'WHERE {influx_where(*SYS_WHERE)} GROUP BY time($__interval), "target" fill(0)',
                    f"sum_over_time({series('snmp_system_rebooted', SYS_SEL)}[$__interval])",
                    "{{target}}",
                    alias="$tag_target",
                ),
            ),
        ),
    ),
)

# -- Devices (SNMP host profile, custom profiles) ------------------------------------------

DEVICES = Dashboard(
    slug="devices",
    title="Devices (SNMP)",
    tags=("snmp", "devices"),
    description="Agent status, CPU, memory and storage (HOST-RESOURCES-MIB, profile host) and UPS "
    "batteries (the ups custom profile of docs/dashboards.md)",
    variables=(
        Variable(
            "site",
            "Site",
            'SHOW TAG VALUES FROM "snmp_system" WITH KEY = "site"',
            "label_values(snmp_system_up, site)",
        ),
        Variable(
            "device",
            "Device",
            f'SHOW TAG VALUES FROM "snmp_system" WITH KEY = "target" WHERE {matches("site", "site")}',
            'label_values(snmp_system_up{site=~"$site"}, target)',
        ),
    ),
    panels=(
        Panel(
            "Devices now",
            kind="table",
            width=24,
            height=8,
            description="The last poll of each agent. sysName, sysDescr and sysObjectID are text fields: "
            "VictoriaMetrics keeps numbers only, so its variant leaves them out.",
            columns={"up": UP_DOWN},
            units={"uptime": "s", "response": "ms"},
            queries=(
                Query(
                    'SELECT last("up") AS "up", last("sys_name") AS "sysName", last("sys_descr") AS "sysDescr", '
                    'last("sys_object_id") AS "sysObjectID", last("uptime_s") AS "uptime", '
                    'last("response_ms") AS "response", last("profile_errors") AS "profile errors", '
                    'last("missing_oids") AS "missing OIDs" FROM "snmp_system" '
                    f'WHERE {influx_where(*SYS_WHERE)} GROUP BY "site", "target"',
                    f"last_over_time({series('snmp_system_up', SYS_SEL)}[$__range])",
                    "up",
                ),
                Query(None, f"last_over_time({series('snmp_system_uptime_s', SYS_SEL)}[$__range])", "uptime"),
                Query(
                    None,
                    f"last_over_time({series('snmp_system_response_ms', SYS_SEL)}[$__range])",
                    "response",
                ),
                Query(
                    None,
                    f"last_over_time({series('snmp_system_profile_errors', SYS_SEL)}[$__range])",
                    "profile errors",
                ),
                Query(
                    None,
                    f"last_over_time({series('snmp_system_missing_oids', SYS_SEL)}[$__range])",
                    "missing OIDs",
                ),
            ),
        ),
        Panel(
            "Agents not answering",
            kind="table",
            description="Devices whose last poll failed; 'error' is timeout, auth or the SNMP error "
            "status (InfluxQL only: a text field).",
            columns={"up": UP_DOWN},
            queries=(
                Query(
                    'SELECT last("up") AS "up", last("error") AS "error" FROM "snmp_system" '
                    f'WHERE {influx_where(*SYS_WHERE)} AND "up" = 0 GROUP BY "site", "target"',
                    f"last_over_time({series('snmp_system_up', SYS_SEL)}[$__range]) == 0",
                    "up",
                ),
            ),
        ),
        Panel(
            "SNMP response time",
            unit="ms",
            description="Time for the sysUpTime GET that opens every poll.",
            queries=(
                Query(
                    f'SELECT mean("response_ms") FROM "snmp_system" WHERE {influx_where(*SYS_WHERE)} '
                    'GROUP BY time($__interval), "target" fill(null)',
                    series("snmp_system_response_ms", SYS_SEL),
                    "{{target}}",
                    alias="$tag_target",
                ),
            ),
        ),
        Panel(
            "CPU load (%)",
            unit="percent",
            minimum=0,
            maximum=100,
            description="hrProcessorLoad: mean and busiest core.",
            queries=(
                Query(
                    'SELECT mean("cpu_load_avg") AS "mean", max("cpu_load_max") AS "busiest core" '
                    f'FROM "snmp_system" WHERE {influx_where(*SYS_WHERE)} '
                    'GROUP BY time($__interval), "target" fill(null)',
                    series("snmp_system_cpu_load_avg", SYS_SEL),
                    "{{target}} mean",
                    alias="$tag_target $col",
                ),
                Query(None, series("snmp_system_cpu_load_max", SYS_SEL), "{{target}} busiest core"),
            ),
        ),
        Panel(
            "Memory and fullest disk (%)",
            unit="percent",
            minimum=0,
            maximum=100,
            description="hrStorage: RAM used, and the fullest fixed disk.",
            queries=(
                Query(
                    'SELECT mean("memory_used_pct") AS "memory", max("disk_used_pct_max") AS "fullest disk" '
                    f'FROM "snmp_system" WHERE {influx_where(*SYS_WHERE)} '
                    'GROUP BY time($__interval), "target" fill(null)',
                    series("snmp_system_memory_used_pct", SYS_SEL),
                    "{{target}} memory",
                    alias="$tag_target $col",
                ),
                Query(None, series("snmp_system_disk_used_pct_max", SYS_SEL), "{{target}} fullest disk"),
            ),
        ),
        Panel(
            "Storage used per volume (%)",
            unit="percent",
            minimum=0,
            maximum=100,
            queries=(
                Query(
                    f'SELECT mean("used_pct") FROM "snmp_storage" WHERE {influx_where(*SYS_WHERE)} '
                    'GROUP BY time($__interval), "target", "storage" fill(null)',
                    series("snmp_storage_used_pct", SYS_SEL),
                    "{{target}} {{storage}}",
                    alias="$tag_target $tag_storage",
                ),
            ),
        ),
        Panel(
            "Storage now",
            kind="table",
            sort_by="used %",
            units={"used %": "percent", "used": "bytes", "size": "bytes"},
            queries=(
                Query(
                    'SELECT last("used_pct") AS "used %", last("used_bytes") AS "used", '
                    f'last("size_bytes") AS "size" FROM "snmp_storage" WHERE {influx_where(*SYS_WHERE)} '
                    'GROUP BY "target", "storage", "storage_type"',
                    f"last_over_time({series('snmp_storage_used_pct', SYS_SEL)}[$__range])",
                    "used %",
                ),
                Query(
                    None, f"last_over_time({series('snmp_storage_used_bytes', SYS_SEL)}[$__range])", "used"
                ),
                Query(
                    None, f"last_over_time({series('snmp_storage_size_bytes', SYS_SEL)}[$__range])", "size"
                ),
            ),
        ),
        Panel(
            "UPS batteries now",
            kind="table",
            width=24,
            height=6,
            description="UPS-MIB through the ups custom profile (docs/dashboards.md). Empty for "
            "devices without it.",
            columns={"battery": BATTERY_STATUS},
            units={"charge": "percent", "runtime left": "m", "on battery": "s", "temperature": "celsius"},
            queries=(
                Query(
                    'SELECT last("battery_status") AS "battery", last("battery_charge_pct") AS "charge", '
                    'last("battery_minutes_left") AS "runtime left", last("on_battery_s") AS "on battery", '
                    'last("battery_temperature_c") AS "temperature" FROM "snmp_system" '
                    f'WHERE {influx_where(*SYS_WHERE)} GROUP BY "site", "target"',
                    f"last_over_time({series('snmp_system_battery_status', SYS_SEL)}[$__range])",
                    "battery",
                ),
                Query(
                    None,
                    f"last_over_time({series('snmp_system_battery_charge_pct', SYS_SEL)}[$__range])",
                    "charge",
                ),
                Query(
                    None,
                    f"last_over_time({series('snmp_system_battery_minutes_left', SYS_SEL)}[$__range])",
                    "runtime left",
                ),
                Query(
                    None,
                    f"last_over_time({series('snmp_system_on_battery_s', SYS_SEL)}[$__range])",
                    "on battery",
                ),
                Query(
                    None,
                    f"last_over_time({series('snmp_system_battery_temperature_c', SYS_SEL)}[$__range])",
                    "temperature",
                ),
            ),
        ),
        Panel(
            "UPS battery charge (%)",
            unit="percent",
            minimum=0,
            maximum=100,
            queries=(
                Query(
                    f'SELECT min("battery_charge_pct") FROM "snmp_system" WHERE {influx_where(*SYS_WHERE)} '
                    'GROUP BY time($__interval), "target" fill(null)',
                    series("snmp_system_battery_charge_pct", SYS_SEL),
                    "{{target}}",
                    alias="$tag_target",
                ),
            ),
        ),
        Panel(
            "UPS runtime left (minutes)",
            unit="m",
            queries=(
                Query(
                    'SELECT min("battery_minutes_left") FROM "snmp_system" '
                    f'WHERE {influx_where(*SYS_WHERE)} GROUP BY time($__interval), "target" fill(null)',
                    series("snmp_system_battery_minutes_left", SYS_SEL),
                    "{{target}}",
                    alias="$tag_target",
                ),
            ),
        ),
    ),
)


# -- SNMP traps (the receiver's snmp_trap measurement) ----------------------------------------

TRAP_WHERE = (matches("site", "site"), matches("target", "device"), matches("trap", "trap"))
TRAP_SEL = 'site=~"$site",target=~"$device",trap=~"$trap"'

TRAPS = Dashboard(
    slug="snmp-traps",
    title="SNMP traps",
    tags=("snmp", "traps"),
    description="Traps and informs the receiver accepted, per device and trap (a standard trap's "
    "name, a snmp_traps rule's name, or the trap OID), and the alerts trap rules hold open",
    variables=(
        Variable(
            "site",
            "Site",
            'SHOW TAG VALUES FROM "snmp_trap" WITH KEY = "site"',
            "label_values(snmp_trap_received, site)",
        ),
        Variable(
            "device",
            "Device",
            f'SHOW TAG VALUES FROM "snmp_trap" WITH KEY = "target" WHERE {matches("site", "site")}',
            'label_values(snmp_trap_received{site=~"$site"}, target)',
        ),
        Variable(
            "trap",
            "Trap",
            f'SHOW TAG VALUES FROM "snmp_trap" WITH KEY = "trap" WHERE {matches("target", "device")}',
            'label_values(snmp_trap_received{target=~"$device"}, trap)',
        ),
    ),
    panels=(
        Panel(
            "Traps received",
            bars=True,
            stacked=True,
            unit="short",
            width=16,
            description="Accepted traps and informs per device and trap; refused and malformed "
            "datagrams are counted in the daemon's metrics (monitord_snmp_traps_*), not here.",
            queries=(
                Query(
                    f'SELECT sum("received") FROM "snmp_trap" WHERE {influx_where(*TRAP_WHERE)} '
                    'GROUP BY time($__interval), "target", "trap" fill(none)',
                    f"sum by (target, trap) (sum_over_time({series('snmp_trap_received', TRAP_SEL)}[$__interval]))",
                    "{{target}} {{trap}}",
                    alias="$tag_target $tag_trap",
                ),
            ),
        ),
        Panel(
            "Informs received",
            bars=True,
            unit="short",
            width=8,
            description="Informs are acknowledged with a Response PDU; the sender stops resending.",
            queries=(
                Query(
                    f'SELECT sum("inform") FROM "snmp_trap" WHERE {influx_where(*TRAP_WHERE)} '
                    'GROUP BY time($__interval), "target" fill(none)',
                    f"sum by (target) (sum_over_time({series('snmp_trap_inform', TRAP_SEL)}[$__interval]))",
                    "{{target}}",
                    alias="$tag_target",
                ),
            ),
        ),
        Panel(
            "Alerts held open by traps",
            unit="short",
            minimum=0,
            maximum=1,
            width=24,
            description="1 while an authenticationFailure or a trap rule's alert is open: from the "
            "trap until an ends_with trap or end_after without another.",
            queries=(
                Query(
                    f'SELECT max("active") FROM "snmp_trap" WHERE {influx_where(*TRAP_WHERE)} '
                    'GROUP BY time($__interval), "target", "trap" fill(previous)',
                    f"max by (target, trap) (max_over_time({series('snmp_trap_active', TRAP_SEL)}[$__interval]))",
                    "{{target}} {{trap}}",
                    alias="$tag_target $tag_trap",
                ),
            ),
        ),
        Panel(
            "Last trap per device and trap",
            kind="table",
            width=24,
            height=9,
            units={"device uptime": "s"},
            description="The trap OID, SNMP version and sender address are text fields: VictoriaMetrics "
            "keeps numbers only, so its variant shows the varbind count, inform flag and uptime.",
            queries=(
                Query(
                    'SELECT last("trap_oid") AS "trap OID", last("version") AS "version", '
                    'last("sender") AS "sender", last("varbinds") AS "varbinds", last("inform") AS "inform", '
                    'last("uptime_s") AS "device uptime" FROM "snmp_trap" '
                    f'WHERE {influx_where(*TRAP_WHERE)} GROUP BY "site", "target", "trap"',
                    f"last_over_time({series('snmp_trap_varbinds', TRAP_SEL)}[$__range])",
                    "varbinds",
                ),
                Query(None, f"last_over_time({series('snmp_trap_inform', TRAP_SEL)}[$__range])", "inform"),
                Query(
                    None,
                    f"last_over_time({series('snmp_trap_uptime_s', TRAP_SEL)}[$__range])",
                    "device uptime",
                ),
            ),
        ),
    ),
)
