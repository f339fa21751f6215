"""The syslog receiver's dashboard: messages, levels and log-rule matches per sender."""

# The InfluxQL here is dashboard text, never executed (S608).
# ruff: noqa: S608

from __future__ import annotations

from grafana_json import Dashboard, Panel, Query, Variable, influx_where, matches, series

SYS_WHERE = (matches("site", "site"), matches("target", "sender"))
SYS_SEL = 'site=~"$site",target=~"$sender"'


def _per_sender(title: str, prefix: str, description: str) -> Panel:
    """Bars of the ``prefix*`` fields (rule_, severity_, level_) summed per interval and sender."""
    return Panel(
        title,
        bars=True,
        stacked=True,
        unit="short",
        description=description,
        queries=(
            Query(
                f'SELECT sum(/^{prefix}/) FROM "syslog" '
                f'WHERE {influx_where(*SYS_WHERE)} GROUP BY time($__interval), "target" fill(0)',
                f'sum_over_time({{__name__=~"syslog_{prefix}.+",{SYS_SEL}}}[$__interval]) keep_metric_names',
                "{{target}} {{__name__}}",
                alias="$tag_target $col",
            ),
        ),
    )


SYSLOG = Dashboard(
    slug="syslog",
    title="Syslog (messages pushed by devices)",
    tags=("syslog", "logs"),
    description="Messages the syslog receiver took per sender (target), by syslog level, and the "
    "log rules' matches (measurement syslog, one point per sender and publishing interval)",
    refresh="30s",
    variables=(
        Variable(
            "site", "Site", 'SHOW TAG VALUES FROM "syslog" WITH KEY = "site"', "label_values(syslog_up, site)"
        ),
        Variable(
            "sender",
            "Sender",
            f'SHOW TAG VALUES FROM "syslog" WITH KEY = "target" WHERE {matches("site", "site")}',
            'label_values(syslog_up{site=~"$site"}, target)',
        ),
    ),
    panels=(
        Panel(
            "Messages per sender",
            bars=True,
            stacked=True,
            unit="short",
            description="Messages parsed and matched; malformed and dropped ones are on the health "
            "dashboard (monitord_syslog_* metrics), they have no sender to show here.",
            queries=(
                Query(
                    'SELECT sum("messages") AS "messages" FROM "syslog" '
                    f'WHERE {influx_where(*SYS_WHERE)} GROUP BY time($__interval), "target" fill(0)',
                    f"sum_over_time({series('syslog_messages', SYS_SEL)}[$__interval])",
                    "{{target}}",
                    alias="$tag_target $col",
                ),
            ),
        ),
        Panel(
            "Bytes per sender",
            unit="bytes",
            queries=(
                Query(
                    'SELECT sum("bytes") AS "bytes" FROM "syslog" '
                    f'WHERE {influx_where(*SYS_WHERE)} GROUP BY time($__interval), "target" fill(0)',
                    f"sum_over_time({series('syslog_bytes', SYS_SEL)}[$__interval])",
                    "{{target}}",
                    alias="$tag_target $col",
                ),
            ),
        ),
        _per_sender(
            "Messages per syslog level",
            "level_",
            "The senders' own severity (PRI): emerg, alert, crit, err, warning, notice, info, debug.",
        ),
        _per_sender(
            "Matched lines per rule",
            "rule_",
            "Lines each log rule matched (rule_<name>: the built-in oom, disk_io and error rules, "
            "the same as ssh_log's, and your own).",
        ),
        _per_sender(
            "Matched lines per rule severity",
            "severity_",
            "What the syslog-critical and syslog-errors alert rules read.",
        ),
    ),
)
