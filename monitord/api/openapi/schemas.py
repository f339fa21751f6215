"""JSON Schemas of the API's answers, written by hand beside the serializers they describe.

Request bodies and query strings come from the pydantic models the handlers
validate with (``operations.py``); the answers are plain dicts built in the
subsystems (``subnet_json``, ``ticket_json``...), so their schemas live here.
Objects list the keys every answer carries as ``required`` and leave
``additionalProperties`` open: adding a key to an answer is not a breaking change.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
NUMBER: Schema = {"type": "number"}
BOOLEAN: Schema = {"type": "boolean"}
TIME: Schema = {"type": ["string", "null"], "format": "date-time"}
ANY_OBJECT: Schema = {"type": "object"}


def nullable(schema: Schema) -> Schema:
    kind = schema["type"]
    return {**schema, "type": [kind, "null"] if isinstance(kind, str) else [*kind, "null"]}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def obj(required: tuple[str, ...] = (), **properties: Schema) -> Schema:
    return {"type": "object", "required": list(required), "properties": properties}


def listing(key: str, item: Schema, *, counted: bool = True, **extra: Schema) -> Schema:
    """``{key: [item...], "count": n}``, the shape of every list answer."""
    if counted:
        return obj((key, "count", *extra), **{key: array(item)}, count=INTEGER, **extra)
    return obj((key, *extra), **{key: array(item)}, **extra)


ERROR = obj(
    ("error", "field"),
    error={**STRING, "description": "what was wrong, for a person"},
    field={**nullable(STRING), "description": "the field, parameter or header at fault, or null"},
)

PROBE_RESULT = obj(
    ("target", "kind", "measurement", "time_ns", "ok", "reason", "fields", "tags"),
    target=STRING,
    kind=STRING,
    measurement=STRING,
    time_ns=INTEGER,
    ok=BOOLEAN,
    reason=nullable(STRING),
    fields=ANY_OBJECT,
    tags={"type": "object", "additionalProperties": STRING},
)

TARGET = obj(
    ("name", "address", "site", "state", "probes"),
    name=STRING,
    address=STRING,
    site=nullable(STRING),
    zone=nullable(STRING),
    parent=nullable(STRING),
    criticality=STRING,
    tags=array(STRING),
    state={"enum": ["up", "down", "pending", "unmonitored"]},
    probes={
        "type": "object",
        "additionalProperties": obj(
            ("state", "last"),
            state={"enum": ["up", "down", "pending"]},
            last={"anyOf": [ref("ProbeResult"), {"type": "null"}]},
        ),
    },
)

HEALTH = obj(
    ("status", "subsystems", "buffers"),
    status={"enum": ["ok", "degraded"]},
    subsystems={
        "type": "object",
        "additionalProperties": obj(
            ("ok", "detail", "since"), ok=BOOLEAN, detail=nullable(STRING), since=STRING
        ),
    },
    buffers={"type": "object"},
)

POINT: Schema = {
    "type": "array",
    "items": NUMBER,
    "minItems": 2,
    "maxItems": 2,
    "description": "[time in ns since the epoch, value]",
}
SERIES = obj(
    ("target", "since", "until", "series"),
    target=STRING,
    since=STRING,
    until=STRING,
    series=array(
        obj(
            ("measurement", "field", "tags", "points"),
            measurement=STRING,
            field=STRING,
            tags=ANY_OBJECT,
            points=array(POINT),
        )
    ),
)

ALERT = obj(
    ("fingerprint", "rule", "target", "labels", "status"),
    fingerprint=STRING,
    rule=STRING,
    target=STRING,
    labels=ANY_OBJECT,
    status={"enum": ["pending", "firing", "resolved", "inactive"]},
    flapping=BOOLEAN,
    summary=nullable(STRING),
    value={},
    reason=nullable(STRING),
    pending_since=TIME,
    fired_at=TIME,
    resolved_at=TIME,
    ticket_id=nullable(INTEGER),
    evidence=array({}),
    notified=ANY_OBJECT,
)

TICKET = obj(
    ("id", "title", "status", "priority"),
    id=INTEGER,
    title=STRING,
    status={"enum": ["open", "acknowledged", "resolved", "closed"]},
    priority={"enum": ["urgent", "normal"]},
    severity=nullable(STRING),
    rule=nullable(STRING),
    target=nullable(STRING),
    site=nullable(STRING),
    fingerprint=nullable(STRING),
    assignee=nullable(STRING),
    recurring=BOOLEAN,
    repeat_count=nullable(INTEGER),
    earlier=array({}),
    root_cause=nullable(STRING),
    merged_into=nullable(INTEGER),
    opened_at=TIME,
    acknowledged_at=TIME,
    resolved_at=TIME,
    closed_at=TIME,
    time_to_acknowledge_s=nullable(NUMBER),
    time_to_repair_s=nullable(NUMBER),
)

FAULT = obj(
    ("fingerprint", "rule", "target", "count"),
    fingerprint=STRING,
    rule=nullable(STRING),
    target=nullable(STRING),
    site=nullable(STRING),
    count=INTEGER,
    last_ticket=nullable(INTEGER),
    last_opened_at=TIME,
    root_causes=array(obj(("ticket", "root_cause"), ticket=INTEGER, root_cause=nullable(STRING))),
)

SILENCE = obj(
    ("id", "matchers", "starts_at", "ends_at", "comment", "source", "active"),
    id=STRING,
    matchers=array(STRING),
    starts_at=TIME,
    ends_at=TIME,
    weekly=nullable(ANY_OBJECT),
    comment=STRING,
    created_by=nullable(STRING),
    source={"enum": ["config", "api"]},
    active=BOOLEAN,
)

TERMINAL = obj(
    ("store", "terminal", "state", "interval"),
    store=STRING,
    terminal=STRING,
    state=STRING,
    since=TIME,
    address=nullable(STRING),
    seen_address=nullable(STRING),
    interval={**STRING, "description": "a duration such as 30s"},
    last_seen=TIME,
    heartbeat_age=nullable(NUMBER),
    transport=nullable(STRING),
    version=nullable(STRING),
    reported=ANY_OBJECT,
    heartbeats=INTEGER,
    source=STRING,
    poll={**nullable(STRING), "description": "the probe whose result stands in for heartbeats"},
    description=nullable(STRING),
)

STORE = obj(
    ("store", "state", "open", "hours", "terminals"),
    store=STRING,
    site=nullable(STRING),
    state=STRING,
    reason=nullable(STRING),
    since=TIME,
    open=BOOLEAN,
    next_change=TIME,
    timezone=STRING,
    hours={"type": "object", "additionalProperties": array(STRING)},
    holidays=array(STRING),
    router=nullable(STRING),
    router_up=nullable(BOOLEAN),
    terminals_expected=INTEGER,
    terminals={"type": "object", "additionalProperties": INTEGER},
    down_terminals=INTEGER,
    missed_intervals=INTEGER,
    auto_register=BOOLEAN,
    description=nullable(STRING),
    terminal_list={**array(ref("Terminal")), "description": "only in GET /api/v1/pos/stores/{store}"},
)

HEARTBEAT_ACCEPTED = obj(("terminal", "interval"), terminal=STRING, interval=NUMBER)

RANGE = obj(
    ("id", "subnet_id", "name", "kind", "first", "last"),
    id=INTEGER,
    subnet_id=INTEGER,
    name=STRING,
    kind={"enum": ["pool", "dhcp", "reserved"]},
    first=STRING,
    last=STRING,
    description=STRING,
)

SUBNET = obj(
    ("id", "cidr", "family"),
    id=INTEGER,
    cidr=STRING,
    family=INTEGER,
    parent_id=nullable(INTEGER),
    site=nullable(STRING),
    vlan=nullable(INTEGER),
    name=nullable(STRING),
    description=STRING,
    created_at=TIME,
    updated_at=TIME,
    utilisation=obj(
        ("addresses", "used", "total", "free", "percent"),
        addresses=INTEGER,
        child_space=INTEGER,
        used=INTEGER,
        total=INTEGER,
        free=INTEGER,
        percent=NUMBER,
    ),
    ranges=array(ref("Range")),
)

ADDRESS = obj(
    ("address", "status", "subnet_id"),
    address=STRING,
    status={"enum": ["allocated", "reserved", "dhcp", "offline"]},
    hostname=nullable(STRING),
    mac=nullable(STRING),
    description=nullable(STRING),
    owner=nullable(STRING),
    target=nullable(STRING),
    range=nullable(STRING),
    subnet_id=INTEGER,
    subnet=STRING,
    created_at=TIME,
    updated_at=TIME,
    last_seen_at=TIME,
    seen_mac=nullable(STRING),
)

AUDIT_ENTRY = obj(
    ("id", "at", "actor", "action", "object_type", "object"),
    id=INTEGER,
    at=TIME,
    actor=STRING,
    action=STRING,
    object_type=STRING,
    object=STRING,
    before=nullable(ANY_OBJECT),
    after=nullable(ANY_OBJECT),
)

FINDING = obj(
    ("address", "kind", "subnet_id"),
    address=STRING,
    kind={"enum": ["conflict", "stale", "mac_change"]},
    detail=nullable(STRING),
    subnet=STRING,
    subnet_id=INTEGER,
    first_seen=TIME,
    last_seen=TIME,
    resolved_at=TIME,
)

SWEEP = obj(
    ("subnet",),
    subnet=STRING,
    subnet_id=INTEGER,
    at=TIME,
    swept=INTEGER,
    alive=INTEGER,
    registered=INTEGER,
    arp=BOOLEAN,
    opened=array(ANY_OBJECT),
    resolved=array(ANY_OBJECT),
    active=ANY_OBJECT,
    error=STRING,
)

IMPORT_REPORT = obj(
    ("dry_run", "rows", "create", "update", "unchanged", "errors"),
    dry_run=BOOLEAN,
    rows=INTEGER,
    create=INTEGER,
    update=INTEGER,
    unchanged=INTEGER,
    errors=array(obj(("line", "error"), line=INTEGER, field=nullable(STRING), error=STRING)),
)

ACCOUNT = obj(
    ("name", "display_name", "role", "enabled", "contacts", "has_password", "created_at", "updated_at"),
    name=STRING,
    display_name=STRING,
    role={"enum": ["viewer", "technician", "admin"]},
    enabled=BOOLEAN,
    contacts={**INTEGER, "description": "how many contact URLs (the URLs are never shown)"},
    has_password=BOOLEAN,
    created_at=TIME,
    updated_at=TIME,
)

ACCOUNT_AUDIT_ENTRY = obj(
    ("id", "at", "actor", "action", "account", "source", "detail"),
    id=INTEGER,
    at=TIME,
    actor=STRING,
    action=STRING,
    account=STRING,
    source={**STRING, "description": "the client address, or cli"},
    detail=ANY_OBJECT,
)

ME = obj(
    ("name", "role", "via", "account"),
    name=STRING,
    role={"enum": ["viewer", "technician", "admin"]},
    via={"enum": ["config-token", "user-token", "session", "anonymous"]},
    account={"anyOf": [ref("Account"), {"type": "null"}]},
)

USER_TOKEN = obj(
    ("id", "label", "role", "created_at", "last_used_at", "revoked_at"),
    id=INTEGER,
    label=STRING,
    role={"enum": ["viewer", "technician", "admin"]},
    created_at=TIME,
    last_used_at=TIME,
    revoked_at=TIME,
)

ISSUED_TOKEN = obj(
    ("id", "account", "label", "role", "token", "created_at"),
    id=INTEGER,
    account=STRING,
    label=STRING,
    role={"enum": ["viewer", "technician", "admin"]},
    token={**STRING, "description": "the bearer value, shown only in this answer"},
    created_at=TIME,
)

COMPONENTS: dict[str, Schema] = {
    "Error": ERROR,
    "ProbeResult": PROBE_RESULT,
    "Target": TARGET,
    "Health": HEALTH,
    "Series": SERIES,
    "Alert": ALERT,
    "Ticket": TICKET,
    "RecurringFault": FAULT,
    "Silence": SILENCE,
    "Store": STORE,
    "Terminal": TERMINAL,
    "HeartbeatAccepted": HEARTBEAT_ACCEPTED,
    "Range": RANGE,
    "Subnet": SUBNET,
    "Address": ADDRESS,
    "AuditEntry": AUDIT_ENTRY,
    "Finding": FINDING,
    "Sweep": SWEEP,
    "ImportReport": IMPORT_REPORT,
    "Account": ACCOUNT,
    "AccountAuditEntry": ACCOUNT_AUDIT_ENTRY,
    "Me": ME,
    "UserToken": USER_TOKEN,
    "IssuedToken": ISSUED_TOKEN,
}
