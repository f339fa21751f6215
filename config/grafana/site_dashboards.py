"""Dashboards of the department's sites: stores and tills (POS), servers (logs and backups)."""

# The InfluxQL/SQL here is dashboard text, never executed (S608), and a query reads better
# on one line than cut at 110 characters (E501).
# ruff: noqa: S608, E501

from __future__ import annotations

from grafana_json import (
    PROBLEM,
    STATES,
    STORE_STATUS,
    UP_DOWN,
    YES_NO,
    Dashboard,
    Panel,
    Query,
    Variable,
    influx_where,
    matches,
    series,
)

# -- Stores and tills (POS) ----------------------------------------------------------------

POS_WHERE = (matches("site", "site"), matches("store", "store"))
STORE_WHERE = (*POS_WHERE, "\"terminal\" = ''")
TILL_WHERE = (*POS_WHERE, "\"terminal\" != ''")
STORE_SEL = 'site=~"$site",store=~"$store",terminal=""'
TILL_SEL = 'site=~"$site",store=~"$store",terminal!=""'

POS = Dashboard(
    slug="pos",
    title="Stores and tills (POS)",
    tags=("pos",),
    description="Store state, till heartbeats and availability in opening hours, from the pos "
    "measurement (store rows have no terminal tag, till rows have one)",
    refresh="30s",
    time_from="now-24h",
    variables=(
        Variable(
            "site", "Site", 'SHOW TAG VALUES FROM "pos" WITH KEY = "site"', "label_values(pos_up, site)"
        ),
        Variable(
            "store",
            "Store",
            f'SHOW TAG VALUES FROM "pos" WITH KEY = "store" WHERE {matches("site", "site")}',
            'label_values(pos_up{site=~"$site"}, store)',
        ),
    ),
    panels=(
        Panel(
            "Stores now",
            kind="stat",
            width=24,
            height=5,
            mappings=STORE_STATUS,
            description="open (green), closed outside opening hours (grey), DOWN (red): too many tills "
            "silent or the WAN router down while open.",
            queries=(
                Query(
                    'SELECT last("up") * (1 + last("open")) AS "status" FROM "pos" '
                    f'WHERE {influx_where(*STORE_WHERE)} GROUP BY "store"',
                    f"last_over_time({series('pos_up', STORE_SEL)}[$__range]) * "
                    f"(1 + last_over_time({series('pos_open', STORE_SEL)}[$__range]))",
                    "{{store}}",
                    alias="$tag_store",
                ),
            ),
        ),
        Panel(
            "Stores: tills and WAN router now",
            kind="table",
            width=24,
            height=7,
            columns={"state": STATES, "WAN router": UP_DOWN},
            description="'state' is InfluxQL only (a text field); the VictoriaMetrics variant shows "
            "the numbers.",
            queries=(
                Query(
                    'SELECT last("state") AS "state", last("terminals_up") AS "tills up", '
                    'last("terminals_down") AS "tills down", last("terminals_closed") AS "tills closed", '
                    'last("terminals_expected") AS "tills expected", last("router_up") AS "WAN router" '
                    f'FROM "pos" WHERE {influx_where(*STORE_WHERE)} GROUP BY "site", "store"',
                    f"last_over_time({series('pos_terminals_up', STORE_SEL)}[$__range])",
                    "tills up",
                ),
                Query(
                    None, f"last_over_time({series('pos_terminals_down', STORE_SEL)}[$__range])", "tills down"
                ),
                Query(
                    None,
                    f"last_over_time({series('pos_terminals_closed', STORE_SEL)}[$__range])",
                    "tills closed",
                ),
                Query(
                    None,
                    f"last_over_time({series('pos_terminals_expected', STORE_SEL)}[$__range])",
                    "tills expected",
                ),
                Query(None, f"last_over_time({series('pos_router_up', STORE_SEL)}[$__range])", "WAN router"),
            ),
        ),
        Panel(
            "Store availability in opening hours (%)",
            kind="bargauge",
            unit="percent",
            minimum=0,
            maximum=100,
            description="Share of the store's results while open (open = 1) that were not DOWN.",
            queries=(
                Query(
                    'SELECT mean("up") * 100 AS "availability" FROM "pos" '
                    f'WHERE {influx_where(*STORE_WHERE)} AND "open" = 1 GROUP BY "store"',
                    f"100 * avg_over_time(({series('pos_up', STORE_SEL)} and "
                    f"{series('pos_open', STORE_SEL)} == 1)[$__range:$__interval])",
                    "{{store}}",
                    alias="$tag_store",
                ),
            ),
        ),
        Panel(
            "Tills down per store",
            bars=True,
            unit="short",
            queries=(
                Query(
                    'SELECT max("terminals_down") FROM "pos" '
                    f'WHERE {influx_where(*STORE_WHERE)} GROUP BY time($__interval), "store" fill(null)',
                    f"max_over_time({series('pos_terminals_down', STORE_SEL)}[$__interval])",
                    "{{store}}",
                    alias="$tag_store",
                ),
            ),
        ),
        Panel(
            "Heartbeat age per till",
            unit="s",
            description="Seconds since the till's last heartbeat, as judged at each evaluation.",
            queries=(
                Query(
                    'SELECT max("heartbeat_age") FROM "pos" '
                    f'WHERE {influx_where(*TILL_WHERE)} GROUP BY time($__interval), "store", "terminal" '
                    "fill(null)",
                    series("pos_heartbeat_age", TILL_SEL),
                    "{{store}}/{{terminal}}",
                    alias="$tag_store/$tag_terminal",
                ),
            ),
        ),
        Panel(
            "Tills now",
            kind="table",
            width=24,
            height=9,
            sort_by="heartbeat age",
            columns={"state": STATES, "up": UP_DOWN, "alive": YES_NO},
            units={"heartbeat age": "s", "interval": "s", "last sale": "s"},
            description="'up' is the verdict (0 only when silent in opening hours); 'alive' says "
            "heartbeats arrive. state, version and printer are InfluxQL only (text).",
            queries=(
                Query(
                    'SELECT last("state") AS "state", last("up") AS "up", last("alive") AS "alive", '
                    'last("heartbeat_age") AS "heartbeat age", last("interval") AS "interval", '
                    'last("heartbeats") AS "heartbeats", last("version") AS "version", '
                    'last("printer") AS "printer", last("queue_length") AS "queue", '
                    'last("last_transaction_age") AS "last sale" '
                    f'FROM "pos" WHERE {influx_where(*TILL_WHERE)} GROUP BY "store", "terminal"',
                    f"last_over_time({series('pos_up', TILL_SEL)}[$__range])",
                    "up",
                ),
                Query(None, f"last_over_time({series('pos_alive', TILL_SEL)}[$__range])", "alive"),
                Query(
                    None,
                    f"last_over_time({series('pos_heartbeat_age', TILL_SEL)}[$__range])",
                    "heartbeat age",
                ),
                Query(None, f"last_over_time({series('pos_interval', TILL_SEL)}[$__range])", "interval"),
                Query(None, f"last_over_time({series('pos_heartbeats', TILL_SEL)}[$__range])", "heartbeats"),
                Query(None, f"last_over_time({series('pos_queue_length', TILL_SEL)}[$__range])", "queue"),
                Query(
                    None,
                    f"last_over_time({series('pos_last_transaction_age', TILL_SEL)}[$__range])",
                    "last sale",
                ),
            ),
        ),
        Panel(
            "Time since the last sale per till",
            unit="s",
            queries=(
                Query(
                    'SELECT max("last_transaction_age") FROM "pos" '
                    f'WHERE {influx_where(*TILL_WHERE)} GROUP BY time($__interval), "store", "terminal" '
                    "fill(null)",
                    series("pos_last_transaction_age", TILL_SEL),
                    "{{store}}/{{terminal}}",
                    alias="$tag_store/$tag_terminal",
                ),
            ),
        ),
        Panel(
            "Till print queue length",
            unit="short",
            queries=(
                Query(
                    'SELECT max("queue_length") FROM "pos" '
                    f'WHERE {influx_where(*TILL_WHERE)} GROUP BY time($__interval), "store", "terminal" '
                    "fill(null)",
                    series("pos_queue_length", TILL_SEL),
                    "{{store}}/{{terminal}}",
                    alias="$tag_store/$tag_terminal",
                ),
            ),
        ),
    ),
)

# -- Servers (SSH logs and backups) --------------------------------------------------------

SRV_WHERE = (matches("site", "site"), matches("target", "server"))
SRV_SEL = 'site=~"$site",target=~"$server"'

SERVERS = Dashboard(
    slug="servers",
    title="Servers (logs and backups over SSH)",
    tags=("ssh", "backup", "logs"),
    description="Log lines matched per rule and severity (ssh_log probe, measurement log) and the "
    "newest backup's age, size and checks (backup probe, measurement backup)",
    variables=(
        Variable(
            "site",
            "Site",
            'SHOW TAG VALUES FROM "log", "backup" WITH KEY = "site"',
            'label_values({__name__=~"log_up|backup_up"}, site)',
        ),
        Variable(
            "server",
            "Server",
            f'SHOW TAG VALUES FROM "log", "backup" WITH KEY = "target" WHERE {matches("site", "site")}',
            'label_values({__name__=~"log_up|backup_up",site=~"$site"}, target)',
        ),
    ),
    panels=(
        Panel(
            "Matched log lines per rule",
            bars=True,
            stacked=True,
            unit="short",
            description="Lines each rule matched (rule_<name> fields: the built-in oom, disk_io and "
            "error rules and your own).",
            queries=(
                Query(
                    'SELECT sum(/^rule_/) FROM "log" '
                    f'WHERE {influx_where(*SRV_WHERE)} GROUP BY time($__interval), "target" fill(0)',
                    f'sum_over_time({{__name__=~"log_rule_.+",{SRV_SEL}}}[$__interval]) keep_metric_names',
                    "{{target}} {{__name__}}",
                    alias="$tag_target $col",
                ),
            ),
        ),
        Panel(
            "Matched log lines per severity",
            bars=True,
            stacked=True,
            unit="short",
            queries=(
                Query(
                    'SELECT sum(/^severity_/) FROM "log" '
                    f'WHERE {influx_where(*SRV_WHERE)} GROUP BY time($__interval), "target" fill(0)',
                    f'sum_over_time({{__name__=~"log_severity_.+",{SRV_SEL}}}[$__interval]) '
                    "keep_metric_names",
                    "{{target}} {{__name__}}",
                    alias="$tag_target $col",
                ),
            ),
        ),
        Panel(
            "Log lines read",
            bars=True,
            unit="short",
            queries=(
                Query(
                    'SELECT sum("lines") AS "lines" FROM "log" '
                    f'WHERE {influx_where(*SRV_WHERE)} GROUP BY time($__interval), "target" fill(0)',
                    f"sum_over_time({series('log_lines', SRV_SEL)}[$__interval])",
                    "{{target}}",
                    alias="$tag_target $col",
                ),
            ),
        ),
        Panel(
            "Log bytes read and backlog",
            unit="bytes",
            description="Backlog: bytes left unread because a run hit max_bytes_per_run.",
            queries=(
                Query(
                    'SELECT sum("bytes") AS "read", max("backlog_bytes") AS "backlog" FROM "log" '
                    f'WHERE {influx_where(*SRV_WHERE)} GROUP BY time($__interval), "target" fill(null)',
                    f"sum_over_time({series('log_bytes', SRV_SEL)}[$__interval])",
                    "{{target}} read",
                    alias="$tag_target $col",
                ),
                Query(
                    None,
                    f"max_over_time({series('log_backlog_bytes', SRV_SEL)}[$__interval])",
                    "{{target}} backlog",
                ),
            ),
        ),
        Panel(
            "Log files now",
            kind="table",
            width=24,
            height=6,
            columns={"reachable": UP_DOWN},
            description="Rotations, lost rotations (the file rotated twice between runs) and "
            "truncations are counted over the time range.",
            queries=(
                Query(
                    'SELECT last("up") AS "reachable", last("files") AS "files read", '
                    'last("files_missing") AS "missing", last("files_unreadable") AS "unreadable", '
                    'sum("rotations") AS "rotations", sum("rotations_lost") AS "rotations lost", '
                    f'sum("truncations") AS "truncations" FROM "log" WHERE {influx_where(*SRV_WHERE)} '
                    'GROUP BY "site", "target"',
                    f"last_over_time({series('log_up', SRV_SEL)}[$__range])",
                    "reachable",
                ),
                Query(None, f"last_over_time({series('log_files', SRV_SEL)}[$__range])", "files read"),
                Query(None, f"last_over_time({series('log_files_missing', SRV_SEL)}[$__range])", "missing"),
                Query(
                    None, f"last_over_time({series('log_files_unreadable', SRV_SEL)}[$__range])", "unreadable"
                ),
                Query(None, f"sum_over_time({series('log_rotations', SRV_SEL)}[$__range])", "rotations"),
                Query(
                    None,
                    f"sum_over_time({series('log_rotations_lost', SRV_SEL)}[$__range])",
                    "rotations lost",
                ),
                Query(None, f"sum_over_time({series('log_truncations', SRV_SEL)}[$__range])", "truncations"),
            ),
        ),
        Panel(
            "Last verified backup per server",
            kind="table",
            width=24,
            height=6,
            units={"age": "s", "size": "bytes"},
            description="The newest backup at the last run whose checksum and verify command passed "
            "(only backups with checksum or verify_command configured are verified).",
            queries=(
                Query(
                    'SELECT last("age_s") AS "age", last("size_bytes") AS "size" FROM "backup" '
                    f'WHERE {influx_where(*SRV_WHERE)} AND "verified" = 1 GROUP BY "site", "target", "directory"',
                    f"last_over_time({series('backup_age_s', SRV_SEL)}[$__range]) and "
                    f"last_over_time({series('backup_verified', SRV_SEL)}[$__range]) == 1",
                    "age",
                ),
                Query(
                    None,
                    f"last_over_time({series('backup_size_bytes', SRV_SEL)}[$__range]) and "
                    f"last_over_time({series('backup_verified', SRV_SEL)}[$__range]) == 1",
                    "size",
                ),
            ),
        ),
        Panel(
            "Backups now",
            kind="table",
            width=24,
            height=7,
            columns={
                "reachable": UP_DOWN,
                "verified": YES_NO,
                "checksum": YES_NO,
                "verify command": YES_NO,
                "missing": PROBLEM,
                "stale": PROBLEM,
                "too small": PROBLEM,
                "shrunk": PROBLEM,
            },
            units={"age": "s", "size": "bytes", "previous size": "bytes", "shrink": "percentunit"},
            queries=(
                Query(
                    'SELECT last("up") AS "reachable", last("files") AS "files", last("age_s") AS "age", '
                    'last("size_bytes") AS "size", last("previous_size_bytes") AS "previous size", '
                    'last("shrink_share") AS "shrink", last("missing") AS "missing", last("stale") AS "stale", '
                    'last("too_small") AS "too small", last("shrunk") AS "shrunk", last("verified") AS "verified", '
                    'last("checksum_ok") AS "checksum", last("verify_ok") AS "verify command" FROM "backup" '
                    f'WHERE {influx_where(*SRV_WHERE)} GROUP BY "site", "target", "directory"',
                    f"last_over_time({series('backup_up', SRV_SEL)}[$__range])",
                    "reachable",
                ),
                *(
                    Query(None, f"last_over_time({series('backup_' + name, SRV_SEL)}[$__range])", column)
                    for name, column in (
                        ("files", "files"),
                        ("age_s", "age"),
                        ("size_bytes", "size"),
                        ("previous_size_bytes", "previous size"),
                        ("shrink_share", "shrink"),
                        ("missing", "missing"),
                        ("stale", "stale"),
                        ("too_small", "too small"),
                        ("shrunk", "shrunk"),
                        ("verified", "verified"),
                        ("checksum_ok", "checksum"),
                        ("verify_ok", "verify command"),
                    )
                ),
            ),
        ),
        Panel(
            "Newest backup age",
            unit="s",
            queries=(
                Query(
                    f'SELECT last("age_s") FROM "backup" WHERE {influx_where(*SRV_WHERE)} '
                    'GROUP BY time($__interval), "target", "directory" fill(null)',
                    series("backup_age_s", SRV_SEL),
                    "{{target}} {{directory}}",
                    alias="$tag_target $tag_directory",
                ),
            ),
        ),
        Panel(
            "Newest backup size",
            unit="bytes",
            queries=(
                Query(
                    'SELECT last("size_bytes") AS "newest", last("previous_size_bytes") AS "previous" '
                    f'FROM "backup" WHERE {influx_where(*SRV_WHERE)} '
                    'GROUP BY time($__interval), "target", "directory" fill(null)',
                    series("backup_size_bytes", SRV_SEL),
                    "{{target}} {{directory}} newest",
                    alias="$tag_target $tag_directory $col",
                ),
                Query(
                    None, series("backup_previous_size_bytes", SRV_SEL), "{{target}} {{directory}} previous"
                ),
            ),
        ),
        Panel(
            "Backup failures over time",
            bars=True,
            stacked=True,
            width=24,
            height=7,
            unit="short",
            description="Each bar is a finding in that interval: missing, stale, too small, shrunk, "
            "not verified, or the server unreachable over SSH.",
            queries=(
                Query(
                    'SELECT max("missing") AS "missing", max("stale") AS "stale", '
                    'max("too_small") AS "too small", max("shrunk") AS "shrunk", '
                    '1 - min("verified") AS "not verified", 1 - min("up") AS "unreachable" FROM "backup" '
                    f'WHERE {influx_where(*SRV_WHERE)} GROUP BY time($__interval), "target" fill(null)',
                    f"max_over_time({series('backup_missing', SRV_SEL)}[$__interval])",
                    "{{target}} missing",
                    alias="$tag_target $col",
                ),
                Query(
                    None, f"max_over_time({series('backup_stale', SRV_SEL)}[$__interval])", "{{target}} stale"
                ),
                Query(
                    None,
                    f"max_over_time({series('backup_too_small', SRV_SEL)}[$__interval])",
                    "{{target}} too small",
                ),
                Query(
                    None,
                    f"max_over_time({series('backup_shrunk', SRV_SEL)}[$__interval])",
                    "{{target}} shrunk",
                ),
                Query(
                    None,
                    f"1 - min_over_time({series('backup_verified', SRV_SEL)}[$__interval])",
                    "{{target}} not verified",
                ),
                Query(
                    None,
                    f"1 - min_over_time({series('backup_up', SRV_SEL)}[$__interval])",
                    "{{target}} unreachable",
                ),
            ),
        ),
    ),
)
