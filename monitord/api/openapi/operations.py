"""Every operation of the HTTP API: path, method, role, query and body model, answers.

This table is the source of the OpenAPI document. ``tests/api/test_openapi.py``
compares its method+path set with the aiohttp router, so a route added without a
line here (or a line left behind after a route is removed) fails the build.
Query and body schemas come from the pydantic models the handlers validate with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from alerts.silences import SilenceSpec
from monitord.api import accounts_routes as accounts_api
from monitord.api import alerts_routes as alerts_api
from monitord.api import core_routes as core
from monitord.api import pos_routes as pos_api
from monitord.api.openapi.schemas import INTEGER, STRING, Schema, array, listing, obj, ref
from monitord.api.series_routes import SeriesQuery
from monitord.ipam import bodies as ipam
from monitord.pos.ingest import TERMINAL_ID, HeartbeatBody

Role = Literal["none", "read", "technician", "admin", "account", "pos"]
Body = type[BaseModel] | Literal["csv"] | None


@dataclass(frozen=True, slots=True)
class Param:
    """A path parameter or a query parameter that no pydantic model describes."""

    name: str
    schema: Schema
    description: str
    where: Literal["path", "query", "header"] = "path"
    example: Any = None


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    description: str
    schema: Schema | None = None
    media: str = "application/json"


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str
    operation_id: str
    tag: str
    summary: str
    role: Role
    answers: tuple[Answer, ...]
    params: tuple[Param, ...] = ()
    query: type[BaseModel] | None = None
    body: Body = None
    body_required: bool = True
    errors: tuple[int, ...] = field(default=())
    example: Any = None  # a request body that works against the fuzz test's daemon and in docs/api.md
    query_example: str = ""  # the query string docs/api.md's curl example sends


SUBNET_ID = Param(
    "subnet_id",
    {"type": "integer", "minimum": 0, "maximum": ipam.MAX_ID},
    "the subnet's id (from GET /api/v1/ipam/subnets)",
    example=1,
)
ADDRESS = Param("address", STRING, "an IPv4 or IPv6 address registered in a subnet", example="10.20.0.10")
TICKET_ID = Param(
    "id", {"type": "integer", "minimum": 0, "maximum": alerts_api.MAX_TICKET_ID}, "the ticket's id", example=1
)
STORE = Param("store", STRING, "a store name from pos.stores", example="store-a")
TERMINAL = Param(
    "terminal", {"type": "string", "pattern": TERMINAL_ID}, "a till's id within its store", example="a3"
)
LINE_OFFSET = Param(
    "line_offset",
    {"type": "integer", "minimum": 0},
    "added to line numbers in errors (the CLI sends the CSV in parts)",
    "query",
)
NOTE = {"text": "called the store; the router is rebooting"}

DELETED: Schema = obj(("deleted",), deleted={"type": ["boolean", "string"]})
CORE, ALERTS, TICKETS, SILENCES, SERIES, POS, IPAM, ACCOUNTS = (
    "core",
    "alerts",
    "tickets",
    "silences",
    "series",
    "pos",
    "ipam",
    "accounts",
)
IP = "/api/v1/ipam"


def ok(schema: Schema, description: str = "OK", status: int = 200) -> tuple[Answer, ...]:
    return (Answer(status, description, schema),)


def _ticket_action(
    verb: str,
    operation_id: str,
    summary: str,
    body: type[BaseModel],
    *,
    required: bool,
    example: dict[str, str],
) -> Operation:
    return Operation(
        "POST",
        f"/api/v1/tickets/{{id}}/{verb}",
        operation_id,
        TICKETS,
        summary,
        "technician",
        ok(ref("Ticket"), "the ticket after the change"),
        params=(TICKET_ID,),
        body=body,
        body_required=required,
        errors=(400, 404, 409, 415, 422),
        example=example,
    )


OPERATIONS: tuple[Operation, ...] = (
    # core
    Operation(
        "GET",
        "/healthz",
        "getHealth",
        CORE,
        "Health of every subsystem and buffer depths",
        "none",
        (Answer(200, "healthy", ref("Health")), Answer(503, "degraded", ref("Health"))),
    ),
    Operation(
        "GET",
        "/metrics",
        "getMetrics",
        CORE,
        "Prometheus metrics (text exposition format)",
        "none",
        (Answer(200, "metrics", STRING, "text/plain"),),
    ),
    Operation(
        "GET",
        "/api/v1/openapi.json",
        "getOpenApi",
        CORE,
        "The OpenAPI 3.1 document of this API",
        "none",
        ok({"type": "object"}),
    ),
    Operation(
        "GET",
        "/api/v1/targets",
        "listTargets",
        CORE,
        "Monitored targets with their probe states",
        "read",
        ok(listing("targets", ref("Target"))),
        params=(
            Param("site", STRING, "only targets of this site", "query"),
            Param("state", {"enum": list(core.TARGET_STATES)}, "only targets in this state", "query"),
        ),
        errors=(422,),
        query_example="site=head-office&state=down",
    ),
    Operation(
        "GET",
        "/api/v1/targets/{name}",
        "getTarget",
        CORE,
        "One target with its last results",
        "read",
        ok(ref("Target")),
        params=(Param("name", STRING, "the target's name", example="web-1"),),
        errors=(404,),
    ),
    Operation(
        "GET",
        "/api/v1/series",
        "getSeries",
        SERIES,
        "Points from the embedded time-series store",
        "read",
        ok(ref("Series")),
        query=SeriesQuery,
        errors=(404, 422),
        query_example="target=web-1&field=up&since=5m",
    ),
    # alerts, tickets, silences
    Operation(
        "GET",
        "/api/v1/alerts",
        "listAlerts",
        ALERTS,
        "Alerts that are pending, firing or flapping",
        "read",
        ok(obj(("alerts",), alerts=array(ref("Alert"))), "alerts, firing first"),
        query=alerts_api.AlertQuery,
        errors=(404, 422),
        query_example="status=firing",
    ),
    Operation(
        "GET",
        "/api/v1/tickets",
        "listTickets",
        TICKETS,
        "Tickets, newest first",
        "read",
        ok(obj(("tickets",), tickets=array(ref("Ticket")))),
        query=alerts_api.TicketQuery,
        errors=(404, 422),
        query_example="status=open&priority=urgent&assignee=me",
    ),
    Operation(
        "GET",
        "/api/v1/tickets/{id}",
        "getTicket",
        TICKETS,
        "One ticket",
        "read",
        ok(ref("Ticket")),
        params=(TICKET_ID,),
        errors=(400, 404),
    ),
    _ticket_action(
        "ack",
        "ackTicket",
        "Acknowledge a ticket (optional note)",
        alerts_api.OptionalNoteBody,
        required=False,
        example=NOTE,
    ),
    _ticket_action(
        "resolve",
        "resolveTicket",
        "Resolve a ticket (optional note; force with a note)",
        alerts_api.ResolveBody,
        required=False,
        example=NOTE,
    ),
    _ticket_action(
        "close",
        "closeTicket",
        "Close a ticket (optional root cause)",
        alerts_api.CloseBody,
        required=False,
        example={"root_cause": "power cut at the store"},
    ),
    _ticket_action(
        "notes", "addTicketNote", "Add a note to a ticket", alerts_api.NoteBody, required=True, example=NOTE
    ),
    _ticket_action(
        "assign",
        "assignTicket",
        "Assign a ticket to an account (technicians: only to themselves; the assignee is told)",
        alerts_api.AssignBody,
        required=True,
        example={"assignee": "alice"},
    ),
    Operation(
        "GET",
        "/api/v1/faults/recurring",
        "listRecurringFaults",
        TICKETS,
        "Faults that opened more than one ticket within alerts.tickets.recurring_window",
        "read",
        ok(obj(("faults",), faults=array(ref("RecurringFault")))),
        errors=(404,),
    ),
    Operation(
        "GET",
        "/api/v1/silences",
        "listSilences",
        SILENCES,
        "Silences from the file and the API",
        "read",
        ok(obj(("silences",), silences=array(ref("Silence")))),
        errors=(404,),
    ),
    Operation(
        "POST",
        "/api/v1/silences",
        "createSilence",
        SILENCES,
        "Mute alerts matching label matchers",
        "admin",
        ok(ref("Silence"), "created", 201),
        body=SilenceSpec,
        errors=(404, 415, 422),
        example={
            "matchers": ["site=head-office", "rule=~service-.*"],
            "ends_at": "2030-01-01T06:00:00Z",
            "comment": "switch replacement",
        },
    ),
    Operation(
        "DELETE",
        "/api/v1/silences/{id}",
        "deleteSilence",
        SILENCES,
        "Expire a silence made through the API",
        "admin",
        ok(obj(("deleted",), deleted=STRING)),
        params=(Param("id", STRING, "the silence's id", example="api-1"),),
        errors=(404, 409),
    ),
    # POS
    Operation(
        "POST",
        "/api/v1/pos/heartbeat",
        "postHeartbeat",
        POS,
        "A till reports that it is alive (store or terminal token, not an API token)",
        "pos",
        ok(ref("HeartbeatAccepted")),
        body=HeartbeatBody,
        errors=(404, 409, 413, 415, 422, 429),
        example={
            "terminal": "a1",
            "store": "store-a",
            "version": "4.2.1",
            "status": {"queue_length": 0, "printer": "ok"},
        },
    ),
    Operation(
        "GET",
        "/api/v1/pos/stores",
        "listStores",
        POS,
        "Stores with opening hours and till counts",
        "read",
        ok(listing("stores", ref("Store"))),
        query=pos_api.StoreQuery,
        errors=(404, 422),
    ),
    Operation(
        "GET",
        "/api/v1/pos/stores/{store}",
        "getStore",
        POS,
        "One store with its tills",
        "read",
        ok(ref("Store")),
        params=(STORE,),
        errors=(404,),
    ),
    Operation(
        "GET",
        "/api/v1/pos/terminals",
        "listTerminals",
        POS,
        "Tills, optionally of one store",
        "read",
        ok(listing("terminals", ref("Terminal"))),
        query=pos_api.TerminalQuery,
        errors=(404, 422),
        query_example="store=store-a&state=down",
    ),
    Operation(
        "PUT",
        "/api/v1/pos/stores/{store}/terminals/{terminal}",
        "putTerminal",
        POS,
        "Add or change a till at run time",
        "admin",
        ok(ref("Terminal"), "stored", 201),
        params=(STORE, TERMINAL),
        body=pos_api.TerminalBody,
        errors=(404, 409, 415, 422),
        example={"address": "10.20.0.31", "interval": "30s"},
    ),
    Operation(
        "DELETE",
        "/api/v1/pos/stores/{store}/terminals/{terminal}",
        "deleteTerminal",
        POS,
        "Remove a till added at run time",
        "admin",
        (Answer(204, "removed"),),
        params=(STORE, TERMINAL),
        errors=(404, 409, 422),
    ),
    # IPAM
    Operation(
        "GET",
        f"{IP}/subnets",
        "listSubnets",
        IPAM,
        "Subnets with utilisation and ranges",
        "read",
        ok(listing("subnets", ref("Subnet"))),
        query=ipam.SubnetQuery,
        errors=(422, 503),
    ),
    Operation(
        "POST",
        f"{IP}/subnets",
        "createSubnet",
        IPAM,
        "Register a subnet (nests inside a larger one)",
        "admin",
        ok(ref("Subnet"), "created", 201),
        body=ipam.SubnetBody,
        errors=(409, 415, 422, 503),
        example={"cidr": "10.20.0.0/24", "name": "store-a-lan", "vlan": 20, "description": "tills"},
    ),
    Operation(
        "GET",
        f"{IP}/subnets/{{subnet_id}}",
        "getSubnet",
        IPAM,
        "One subnet",
        "read",
        ok(ref("Subnet")),
        params=(SUBNET_ID,),
        errors=(400, 404, 503),
    ),
    Operation(
        "PATCH",
        f"{IP}/subnets/{{subnet_id}}",
        "updateSubnet",
        IPAM,
        "Change a subnet's name, site, VLAN or description",
        "admin",
        ok(ref("Subnet")),
        params=(SUBNET_ID,),
        body=ipam.SubnetPatch,
        errors=(400, 404, 409, 415, 422, 503),
        example={"description": "tills and printers", "vlan": 21},
    ),
    Operation(
        "DELETE",
        f"{IP}/subnets/{{subnet_id}}",
        "deleteSubnet",
        IPAM,
        "Delete an empty subnet",
        "admin",
        ok(DELETED),
        params=(SUBNET_ID,),
        errors=(400, 404, 409, 503),
    ),
    Operation(
        "POST",
        f"{IP}/subnets/{{subnet_id}}/ranges",
        "createRange",
        IPAM,
        "Add a named range (pool, dhcp, reserved)",
        "admin",
        ok(ref("Range"), "created", 201),
        params=(SUBNET_ID,),
        body=ipam.RangeBody,
        errors=(400, 404, 409, 415, 422, 503),
        example={"name": "pool", "kind": "pool", "first": "10.20.0.10", "last": "10.20.0.99"},
    ),
    Operation(
        "PATCH",
        f"{IP}/subnets/{{subnet_id}}/ranges/{{name}}",
        "updateRange",
        IPAM,
        "Change a range's kind or description",
        "admin",
        ok(ref("Range")),
        params=(SUBNET_ID, Param("name", STRING, "the range's name", example="pool")),
        body=ipam.RangePatch,
        errors=(400, 404, 409, 415, 422, 503),
        example={"kind": "dhcp"},
    ),
    Operation(
        "DELETE",
        f"{IP}/subnets/{{subnet_id}}/ranges/{{name}}",
        "deleteRange",
        IPAM,
        "Delete a range",
        "admin",
        ok(DELETED),
        params=(SUBNET_ID, Param("name", STRING, "the range's name", example="pool")),
        errors=(400, 404, 503),
    ),
    Operation(
        "POST",
        f"{IP}/subnets/{{subnet_id}}/allocate",
        "allocateAddress",
        IPAM,
        "Hand out the next free (or a chosen) address; Idempotency-Key makes retries safe",
        "admin",
        (
            Answer(201, "allocated", ref("Address")),
            Answer(200, "replayed: the address this Idempotency-Key got before", ref("Address")),
        ),
        params=(
            SUBNET_ID,
            Param(
                "Idempotency-Key",
                {"type": "string", "minLength": 1, "maxLength": 200},
                "retrying with the same key returns the same address",
                "header",
                example="till-a1-2026-12-01",
            ),
        ),
        body=ipam.AllocateBody,
        errors=(400, 404, 409, 415, 422, 503),
        example={"hostname": "till-a1", "mac": "52:54:00:12:34:56", "owner": "retail"},
    ),
    Operation(
        "GET",
        f"{IP}/subnets/{{subnet_id}}/available",
        "listAvailable",
        IPAM,
        "The next free addresses, in the order allocation hands them out",
        "read",
        ok(obj(("subnet", "available", "free"), subnet=STRING, available=array(STRING), free=INTEGER)),
        params=(SUBNET_ID,),
        query=ipam.AvailableQuery,
        errors=(400, 404, 422, 503),
        query_example="count=5",
    ),
    Operation(
        "GET",
        f"{IP}/subnets/{{subnet_id}}/free-blocks",
        "listFreeBlocks",
        IPAM,
        "Whole free CIDR blocks of one prefix length",
        "read",
        ok(listing("blocks", STRING, subnet=STRING, prefixlen=INTEGER)),
        params=(SUBNET_ID,),
        query=ipam.BlocksQuery,
        errors=(400, 404, 422, 503),
        query_example="prefixlen=28",
    ),
    Operation(
        "GET",
        f"{IP}/addresses",
        "listAddresses",
        IPAM,
        "Registered addresses, filtered and paged",
        "read",
        ok(listing("addresses", ref("Address"), total=INTEGER)),
        query=ipam.AddressQuery,
        errors=(422, 503),
        query_example="q=till&limit=50",
    ),
    Operation(
        "GET",
        f"{IP}/addresses/{{address}}",
        "getAddress",
        IPAM,
        "One registered address",
        "read",
        ok(ref("Address")),
        params=(ADDRESS,),
        errors=(404, 422, 503),
    ),
    Operation(
        "PATCH",
        f"{IP}/addresses/{{address}}",
        "updateAddress",
        IPAM,
        "Change an address's status, hostname, MAC, owner or target",
        "admin",
        ok(ref("Address")),
        params=(ADDRESS,),
        body=ipam.AddressPatch,
        errors=(404, 409, 415, 422, 503),
        example={"status": "reserved", "description": "spare till"},
    ),
    Operation(
        "DELETE",
        f"{IP}/addresses/{{address}}",
        "releaseAddress",
        IPAM,
        "Release an address back to the pool",
        "admin",
        ok(obj(("released",), released=ref("Address"))),
        params=(ADDRESS,),
        errors=(404, 409, 422, 503),
    ),
    Operation(
        "GET",
        f"{IP}/export",
        "exportCsv",
        IPAM,
        "Every registered address as CSV",
        "read",
        (Answer(200, "CSV with a header line", STRING, "text/csv"),),
        query=ipam.ExportQuery,
        errors=(422, 503),
        query_example="subnet_id=1",
    ),
    Operation(
        "POST",
        f"{IP}/import",
        "importCsv",
        IPAM,
        "Create or update addresses from CSV; all rows or none",
        "admin",
        ok(ref("ImportReport")),
        params=(LINE_OFFSET,),
        query=ipam.ImportQuery,
        body="csv",
        query_example="dry_run=true",
        errors=(400, 409, 413, 415, 422, 503),
        example="address,subnet,status,hostname\n10.20.0.50,10.20.0.0/24,allocated,printer-1\n",
    ),
    Operation(
        "POST",
        f"{IP}/ranges/import",
        "importRanges",
        IPAM,
        "Create or change named ranges from CSV (subnet,name,kind,first,last,description)",
        "admin",
        ok(ref("ImportReport")),
        params=(LINE_OFFSET,),
        query=ipam.ImportQuery,
        body="csv",
        query_example="dry_run=true",
        errors=(400, 409, 413, 415, 422, 503),
        example="subnet,name,kind,first,last\n10.20.0.0/24,dhcp,dhcp,10.20.0.100,10.20.0.199\n",
    ),
    Operation(
        "GET",
        f"{IP}/audit",
        "listAudit",
        IPAM,
        "Who changed what, newest first",
        "read",
        ok(listing("entries", ref("AuditEntry"))),
        query=ipam.AuditQuery,
        errors=(422, 503),
        query_example="object=10.20.0.10&limit=20",
    ),
    Operation(
        "GET",
        f"{IP}/findings",
        "listFindings",
        IPAM,
        "Reconciliation findings: conflicts, stale and changed MACs",
        "read",
        ok(listing("findings", ref("Finding"), last_sweeps={"type": "object"})),
        query=ipam.FindingsQuery,
        errors=(422, 503),
        query_example="kind=conflict",
    ),
    Operation(
        "POST",
        f"{IP}/reconcile",
        "reconcileNow",
        IPAM,
        "Sweep configured subnets now",
        "admin",
        ok(obj(("sweeps",), sweeps=array(ref("Sweep")))),
        body=ipam.ReconcileBody,
        body_required=False,
        errors=(409, 415, 422, 503),
        example={"subnet": "10.20.0.0/24"},
    ),
    # accounts
    Operation(
        "GET",
        "/api/v1/accounts",
        "listAccounts",
        ACCOUNTS,
        "Every account (contact URLs are never shown, only counted)",
        "admin",
        ok(listing("accounts", ref("Account"))),
        errors=(503,),
    ),
    Operation(
        "GET",
        "/api/v1/accounts/audit",
        "listAccountAudit",
        ACCOUNTS,
        "Sign-ins, failures, lockouts, role changes and token issues, newest first",
        "admin",
        ok(listing("entries", ref("AccountAuditEntry"))),
        query=accounts_api.AccountAuditQuery,
        errors=(422, 503),
        query_example="account=alice&limit=20",
    ),
    Operation(
        "GET",
        "/api/v1/accounts/{name}",
        "getAccount",
        ACCOUNTS,
        "One account",
        "admin",
        ok(ref("Account")),
        params=(Param("name", STRING, "the account's name", example="alice"),),
        errors=(404, 503),
    ),
    Operation(
        "GET",
        "/api/v1/me",
        "getMe",
        ACCOUNTS,
        "Who the caller is: name, role, and their account when it is one",
        "read",
        ok(ref("Me")),
        errors=(503,),
    ),
    Operation(
        "PATCH",
        "/api/v1/me",
        "updateMe",
        ACCOUNTS,
        "Change your display name or contact URLs (apprise; replaced as a whole, never shown)",
        "account",
        ok(ref("Account"), "your account after the change"),
        body=accounts_api.ProfilePatch,
        errors=(409, 415, 422, 503),
        example={"display_name": "Alice Example"},
    ),
    Operation(
        "GET",
        "/api/v1/me/tokens",
        "listMyTokens",
        ACCOUNTS,
        "Your live API tokens (their values are not stored, so never shown again)",
        "account",
        ok(listing("tokens", ref("UserToken"))),
        errors=(409, 503),
    ),
    Operation(
        "POST",
        "/api/v1/me/tokens",
        "issueMyToken",
        ACCOUNTS,
        "Issue yourself an API token (role at most yours); the answer is the only time it is shown",
        "account",
        ok(ref("IssuedToken"), "issued", 201),
        body=accounts_api.TokenBody,
        errors=(409, 415, 422, 503),
        example={"label": "laptop scripts", "role": "viewer"},
    ),
    Operation(
        "DELETE",
        "/api/v1/me/tokens/{id}",
        "revokeMyToken",
        ACCOUNTS,
        "Revoke one of your tokens (it stops working at once)",
        "account",
        ok(DELETED),
        params=(
            Param(
                "id",
                {"type": "integer", "minimum": 0, "maximum": accounts_api.MAX_TOKEN_ID},
                "the token's id",
                example=1,
            ),
        ),
        errors=(404, 409, 503),
    ),
)
