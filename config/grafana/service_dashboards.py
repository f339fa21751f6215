"""Service checks (TCP, HTTP, TLS, DNS), the VictoriaMetrics ICMP dashboard, and alerts and tickets (SQL)."""

# The InfluxQL/SQL here is dashboard text, never executed (S608), and a query reads better
# on one line than cut at 110 characters (E501).
# ruff: noqa: S608, E501

from __future__ import annotations

from grafana_json import (
    STATES,
    UP_DOWN,
    Dashboard,
    Panel,
    Query,
    Variable,
    influx_where,
    matches,
    series,
)

# -- Service checks (TCP, HTTP, TLS certificates, DNS) -------------------------------------

TCP_WHERE = (matches("site", "site"), matches("target", "target"))
TCP_SEL = 'site=~"$site",target=~"$target"'
# The variables list targets of every service kind, so one dashboard serves them all.
SERVICE_UP = '{__name__=~"(tcp|http|tls|dns)_up"'
SERVICE_FROM = "/^(tcp|http|tls|dns)$/"


def phase(name: str, label: str) -> Query:
    return Query(
        None, f"avg_over_time({series(f'http_{name}_ms', TCP_SEL)}[$__interval])", f"{{{{target}}}} {label}"
    )


SERVICES = Dashboard(
    slug="services",
    title="Service checks",
    tags=("tcp", "http", "tls", "dns", "services"),
    description="TCP connect, HTTP(S) checks with their phases, TLS certificates (from https "
    "checks and the tls kind) and DNS answers",
    variables=(
        Variable(
            "site",
            "Site",
            f'SHOW TAG VALUES FROM {SERVICE_FROM} WITH KEY = "site"',
            f"label_values({SERVICE_UP}}}, site)",
        ),
        Variable(
            "target",
            "Service",
            f'SHOW TAG VALUES FROM {SERVICE_FROM} WITH KEY = "target" WHERE {matches("site", "site")}',
            f'label_values({SERVICE_UP},site=~"$site"}}, target)',
        ),
    ),
    panels=(
        Panel(
            "Services now",
            kind="table",
            columns={"up": UP_DOWN},
            units={"connect": "ms"},
            sort_by=None,
            queries=(
                Query(
                    'SELECT last("up") AS "up", last("connect_ms") AS "connect" FROM "tcp" '
                    f'WHERE {influx_where(*TCP_WHERE)} GROUP BY "site", "target", "port"',
                    f"last_over_time({series('tcp_up', TCP_SEL)}[$__range])",
                    "up",
                ),
                Query(None, f"last_over_time({series('tcp_connect_ms', TCP_SEL)}[$__range])", "connect"),
            ),
        ),
        Panel(
            "Availability (%)",
            kind="bargauge",
            unit="percent",
            minimum=0,
            maximum=100,
            queries=(
                Query(
                    f'SELECT mean("up") * 100 AS "availability" FROM "tcp" WHERE {influx_where(*TCP_WHERE)} '
                    'GROUP BY "target"',
                    f"100 * avg_over_time({series('tcp_up', TCP_SEL)}[$__range])",
                    "{{target}}",
                    alias="$tag_target",
                ),
            ),
        ),
        Panel(
            "Status over time",
            kind="state-timeline",
            width=24,
            height=6,
            mappings=UP_DOWN,
            queries=(
                Query(
                    f'SELECT min("up") FROM "tcp" WHERE {influx_where(*TCP_WHERE)} '
                    'GROUP BY time($__interval), "target" fill(null)',
                    f"min_over_time({series('tcp_up', TCP_SEL)}[$__interval])",
                    "{{target}}",
                    alias="$tag_target",
                ),
            ),
        ),
        Panel(
            "Connect time",
            unit="ms",
            width=24,
            queries=(
                Query(
                    f'SELECT mean("connect_ms") FROM "tcp" WHERE {influx_where(*TCP_WHERE)} '
                    'GROUP BY time($__interval), "target" fill(null)',
                    series("tcp_connect_ms", TCP_SEL),
                    "{{target}}",
                    alias="$tag_target",
                ),
            ),
        ),
        Panel(
            "Web checks now",
            kind="table",
            width=24,
            columns={"up": UP_DOWN},
            sort_by=None,
            units={"total": "ms", "bytes": "bytes"},
            description="up 0 with a status: the server answered but missed an expectation "
            "(status, body pattern, header); the reason is on the alert",
            queries=(
                Query(
                    'SELECT last("up") AS "up", last("status_code") AS "status", last("total_ms") AS "total", '
                    'last("content_length") AS "bytes", last("redirects") AS "redirects", '
                    'last("protocol") AS "protocol" FROM "http" '
                    f'WHERE {influx_where(*TCP_WHERE)} GROUP BY "site", "target"',
                    f"last_over_time({series('http_up', TCP_SEL)}[$__range])",
                    "up",
                ),
                Query(None, f"last_over_time({series('http_status_code', TCP_SEL)}[$__range])", "status"),
                Query(None, f"last_over_time({series('http_total_ms', TCP_SEL)}[$__range])", "total"),
                Query(None, f"last_over_time({series('http_content_length', TCP_SEL)}[$__range])", "bytes"),
                Query(None, f"last_over_time({series('http_redirects', TCP_SEL)}[$__range])", "redirects"),
            ),
        ),
        Panel(
            "HTTP phases (blackbox style)",
            unit="ms",
            stacked=True,
            description="One duration per phase, summed over redirects: resolve, connect, TLS, "
            "first byte (request sent to status line), transfer (the body)",
            queries=(
                Query(
                    'SELECT mean("resolve_ms") AS "resolve", mean("connect_ms") AS "connect", '
                    'mean("tls_ms") AS "tls", mean("first_byte_ms") AS "first byte", '
                    f'mean("transfer_ms") AS "transfer" FROM "http" WHERE {influx_where(*TCP_WHERE)} '
                    'GROUP BY time($__interval), "target" fill(null)',
                    f"avg_over_time({series('http_resolve_ms', TCP_SEL)}[$__interval])",
                    "{{target}} resolve",
                    alias="$tag_target $col",
                ),
                phase("connect", "connect"),
                phase("tls", "tls"),
                phase("first_byte", "first byte"),
                phase("transfer", "transfer"),
            ),
        ),
        Panel(
            "HTTP total time",
            unit="ms",
            queries=(
                Query(
                    f'SELECT mean("total_ms") FROM "http" WHERE {influx_where(*TCP_WHERE)} '
                    'GROUP BY time($__interval), "target" fill(null)',
                    f"avg_over_time({series('http_total_ms', TCP_SEL)}[$__interval])",
                    "{{target}}",
                    alias="$tag_target",
                ),
            ),
        ),
        Panel(
            "Certificates",
            kind="table",
            width=24,
            columns={"up": UP_DOWN, "valid": UP_DOWN},
            sort_by=None,
            units={"days left": "d"},
            description="From https checks and the tls kind (SMTPS, IMAPS, LDAPS, STARTTLS); "
            "alerts at 21 and 7 days left",
            queries=(
                Query(
                    'SELECT last("cert_days_left") AS "days left", last("cert_valid") AS "valid", '
                    'last("up") AS "up", last("issuer") AS "issuer", last("tls_version") AS "protocol" '
                    f'FROM "tls" WHERE {influx_where(*TCP_WHERE)} GROUP BY "site", "target", "port"',
                    f"last_over_time({series('tls_cert_days_left', TCP_SEL)}[$__range])",
                    "days left",
                ),
                Query(None, f"last_over_time({series('tls_cert_valid', TCP_SEL)}[$__range])", "valid"),
                Query(None, f"last_over_time({series('tls_up', TCP_SEL)}[$__range])", "up"),
            ),
        ),
        Panel(
            "TLS handshake and connect time",
            unit="ms",
            queries=(
                Query(
                    'SELECT mean("handshake_ms") AS "handshake", mean("connect_ms") AS "connect" FROM "tls" '
                    f'WHERE {influx_where(*TCP_WHERE)} GROUP BY time($__interval), "target" fill(null)',
                    f"avg_over_time({series('tls_handshake_ms', TCP_SEL)}[$__interval])",
                    "{{target}} handshake",
                    alias="$tag_target $col",
                ),
                Query(
                    None,
                    f"avg_over_time({series('tls_connect_ms', TCP_SEL)}[$__interval])",
                    "{{target}} connect",
                ),
            ),
        ),
        Panel(
            "Certificate days left",
            unit="d",
            queries=(
                Query(
                    f'SELECT min("cert_days_left") FROM "tls" WHERE {influx_where(*TCP_WHERE)} '
                    'GROUP BY time($__interval), "target" fill(null)',
                    f"min_over_time({series('tls_cert_days_left', TCP_SEL)}[$__interval])",
                    "{{target}}",
                    alias="$tag_target",
                ),
            ),
        ),
        Panel(
            "DNS answers now",
            kind="table",
            width=24,
            sort_by=None,
            units={"latency": "ms"},
            columns={"up": UP_DOWN, "right": UP_DOWN, "DNSSEC": UP_DOWN},
            description="DNSSEC is empty for queries without dnssec: ad or validate",
            queries=(
                Query(
                    'SELECT last("up") AS "up", last("answer_ok") AS "right", last("rcode") AS "rcode", '
                    'last("answers") AS "answers", last("latency_ms") AS "latency", '
                    'last("dnssec_valid") AS "DNSSEC" FROM "dns" '
                    f'WHERE {influx_where(*TCP_WHERE)} GROUP BY "site", "target", "query", "qtype"',
                    f"last_over_time({series('dns_up', TCP_SEL)}[$__range])",
                    "up",
                ),
                Query(None, f"last_over_time({series('dns_answer_ok', TCP_SEL)}[$__range])", "right"),
                Query(None, f"last_over_time({series('dns_dnssec_valid', TCP_SEL)}[$__range])", "DNSSEC"),
                Query(None, f"last_over_time({series('dns_answers', TCP_SEL)}[$__range])", "answers"),
                Query(None, f"last_over_time({series('dns_latency_ms', TCP_SEL)}[$__range])", "latency"),
            ),
        ),
        Panel(
            "DNS latency",
            unit="ms",
            width=24,
            queries=(
                Query(
                    f'SELECT mean("latency_ms") FROM "dns" WHERE {influx_where(*TCP_WHERE)} '
                    'GROUP BY time($__interval), "target", "query" fill(null)',
                    f"avg_over_time({series('dns_latency_ms', TCP_SEL)}[$__interval])",
                    "{{target}} {{query}}",
                    alias="$tag_target $tag_query",
                ),
            ),
        ),
    ),
)

# -- ICMP, VictoriaMetrics variant of the hand-written monitord-icmp.json --------------------

ICMP_SEL = 'site=~"$site",target=~"$target"'

ICMP = Dashboard(
    slug="icmp",
    title="ICMP loss, RTT and jitter",
    tags=("icmp",),
    variants=("promql",),
    description="Smokeping-style latency and loss from the icmp probe; the InfluxQL variant is the "
    "hand-written monitord-icmp.json",
    variables=(
        Variable("site", "Site", None, "label_values(icmp_up, site)"),
        Variable("target", "Target", None, 'label_values(icmp_up{site=~"$site"}, target)'),
    ),
    panels=(
        Panel(
            "RTT and jitter (Smokeping style)",
            unit="ms",
            height=9,
            queries=(
                Query(
                    None,
                    f"min_over_time({series('icmp_rtt_min_ms', ICMP_SEL)}[$__interval])",
                    "{{target}} min",
                ),
                Query(
                    None,
                    f"max_over_time({series('icmp_rtt_max_ms', ICMP_SEL)}[$__interval])",
                    "{{target}} max",
                ),
                Query(
                    None,
                    f"avg_over_time({series('icmp_rtt_median_ms', ICMP_SEL)}[$__interval])",
                    "{{target}} median",
                ),
                Query(
                    None,
                    f"avg_over_time({series('icmp_rtt_avg_ms', ICMP_SEL)}[$__interval])",
                    "{{target}} avg",
                ),
                Query(
                    None,
                    f"avg_over_time({series('icmp_rtt_stddev_ms', ICMP_SEL)}[$__interval])",
                    "{{target}} jitter (stddev)",
                ),
            ),
        ),
        Panel(
            "Packet loss per target (%)",
            unit="percent",
            height=9,
            queries=(
                Query(None, f"avg_over_time({series('icmp_loss_pct', ICMP_SEL)}[$__interval])", "{{target}}"),
            ),
        ),
        Panel(
            "Packet loss per site (%)",
            unit="percent",
            queries=(
                Query(
                    None,
                    f"avg by (site) (avg_over_time({series('icmp_loss_pct', ICMP_SEL)}[$__interval]))",
                    "{{site}}",
                ),
            ),
        ),
        Panel(
            "Median RTT per site (ms)",
            unit="ms",
            queries=(
                Query(
                    None,
                    f"avg by (site) (avg_over_time({series('icmp_rtt_median_ms', ICMP_SEL)}[$__interval]))",
                    "{{site}}",
                ),
            ),
        ),
        Panel(
            "Reachability now (last result per target)",
            kind="table",
            width=24,
            columns={"up": UP_DOWN},
            queries=(
                Query(None, f"last_over_time({series('icmp_up', ICMP_SEL)}[$__range])", "up"),
                Query(None, f"last_over_time({series('icmp_loss_pct', ICMP_SEL)}[$__range])", "loss %"),
                Query(
                    None, f"last_over_time({series('icmp_rtt_median_ms', ICMP_SEL)}[$__range])", "median ms"
                ),
            ),
        ),
    ),
)

# -- Alerts and tickets (PostgreSQL state store) -------------------------------------------
# Times in the state store are UTC epoch seconds (floats): Grafana's $__unixEpoch* macros.


def sql(statement: str) -> Query:
    return Query(None, None, sql=statement)


TICKETS = Dashboard(
    slug="tickets",
    title="Alerts and tickets",
    tags=("alerts", "tickets"),
    variants=("sql",),
    time_from="now-30d",
    refresh="5m",
    description="Firing alerts and the ticket record from the state store (storage.state_url on "
    "PostgreSQL; a SQLite state store cannot be read by Grafana)",
    variables=(
        Variable("site", "Site", None, None, sql="SELECT DISTINCT site FROM tickets ORDER BY 1"),
        Variable("priority", "Priority", None, None, sql="SELECT DISTINCT priority FROM tickets ORDER BY 1"),
    ),
    panels=(
        Panel(
            "Firing alerts now",
            kind="table",
            width=24,
            height=7,
            queries=(
                sql(
                    "SELECT rule, target, labels->>'site' AS site, to_timestamp(fired_at) AS \"firing since\", "
                    "summary, ticket_id AS ticket FROM alert_state WHERE status = 'firing' "
                    "AND (labels->>'site') IN ($site) ORDER BY fired_at"
                ),
            ),
        ),
        Panel(
            "Open tickets by priority",
            kind="bargauge",
            unit="short",
            width=8,
            queries=(
                sql(
                    "SELECT priority AS metric, count(*) AS value FROM tickets "
                    "WHERE status IN ('open', 'acknowledged') AND site IN ($site) "
                    "AND priority IN ($priority) GROUP BY priority ORDER BY priority"
                ),
            ),
        ),
        Panel(
            "Tickets opened per day by priority",
            kind="timeseries",
            bars=True,
            stacked=True,
            unit="short",
            width=8,
            queries=(
                sql(
                    "SELECT $__unixEpochGroupAlias(opened_at, '1d'), priority AS metric, count(*) AS value "
                    "FROM tickets WHERE $__unixEpochFilter(opened_at) AND site IN ($site) "
                    "AND priority IN ($priority) GROUP BY 1, 2 ORDER BY 1"
                ),
            ),
        ),
        Panel(
            "Tickets closed per day by priority",
            kind="timeseries",
            bars=True,
            stacked=True,
            unit="short",
            width=8,
            queries=(
                sql(
                    "SELECT $__unixEpochGroupAlias(closed_at, '1d'), priority AS metric, count(*) AS value "
                    "FROM tickets WHERE closed_at IS NOT NULL AND $__unixEpochFilter(closed_at) "
                    "AND site IN ($site) AND priority IN ($priority) GROUP BY 1, 2 ORDER BY 1"
                ),
            ),
        ),
        Panel(
            "Time to acknowledge and repair by priority",
            kind="table",
            units={"mean to acknowledge": "s", "mean to repair": "s", "longest repair": "s"},
            description="Repair: opened to resolved (every alert recovered, or resolved by hand).",
            queries=(
                sql(
                    "SELECT priority, count(*) AS tickets, "
                    'avg(acknowledged_at - opened_at) AS "mean to acknowledge", '
                    'avg(resolved_at - opened_at) AS "mean to repair", '
                    'max(resolved_at - opened_at) AS "longest repair" FROM tickets '
                    "WHERE $__unixEpochFilter(opened_at) AND site IN ($site) AND priority IN ($priority) "
                    "GROUP BY priority ORDER BY priority"
                ),
            ),
        ),
        Panel(
            "Mean repair time per day",
            kind="timeseries",
            unit="s",
            queries=(
                sql(
                    "SELECT $__unixEpochGroupAlias(resolved_at, '1d'), priority AS metric, "
                    "avg(resolved_at - opened_at) AS value FROM tickets "
                    "WHERE resolved_at IS NOT NULL AND $__unixEpochFilter(resolved_at) "
                    "AND site IN ($site) AND priority IN ($priority) GROUP BY 1, 2 ORDER BY 1"
                ),
            ),
        ),
        Panel(
            "Tickets",
            kind="table",
            width=24,
            height=10,
            columns={"status": STATES},
            queries=(
                sql(
                    "SELECT id, title, priority, status, site, target, repeat_count AS repeats, "
                    "to_timestamp(opened_at) AS opened, to_timestamp(acknowledged_at) AS acknowledged, "
                    "to_timestamp(resolved_at) AS resolved, to_timestamp(closed_at) AS closed, root_cause "
                    "FROM tickets WHERE $__unixEpochFilter(opened_at) AND site IN ($site) "
                    "AND priority IN ($priority) ORDER BY opened_at DESC LIMIT 200"
                ),
            ),
        ),
    ),
)
