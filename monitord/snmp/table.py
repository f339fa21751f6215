"""Walking MIB tables column by column, several columns per request.

A GETBULK carrying every wanted column returns whole rows at once, so an
interface table of 48 ports and 20 columns costs a handful of round trips
instead of one per column (which is what ``snmpbulkwalk`` of a subtree does).
SNMPv1 has no GETBULK; there each round trip is a multi-column GETNEXT.
"""

from __future__ import annotations

from collections.abc import Sequence

from monitord.snmp.errors import SnmpErrorStatus
from monitord.snmp.session import SnmpSession
from monitord.snmp.values import ValueKind, VarBind, in_subtree

NO_SUCH_NAME = 2
MAX_REQUESTS = 2000  # bounds a walk of an agent that never reaches the end


class WalkError(ValueError):
    """The agent returned OIDs out of order (a broken agent would loop forever)."""


Column = dict[str, VarBind]  # row index (the OID suffix after the column) -> value


async def walk_columns(
    session: SnmpSession, columns: Sequence[str], max_repetitions: int = 20
) -> dict[str, Column]:
    """Every row of each column; columns missing on the agent come back empty."""
    rows: dict[str, Column] = {column: {} for column in columns}
    cursor = {column: column for column in columns}
    active = list(dict.fromkeys(columns))
    for _ in range(MAX_REQUESTS):
        if not active:
            return rows
        oids = [cursor[c] for c in active]
        if session.supports_bulk:
            varbinds = await session.get_bulk(oids, max_repetitions)
        else:
            try:
                varbinds = await session.get_next(oids)
            except SnmpErrorStatus as exc:
                # v1 signals the end of the MIB with noSuchName on that varbind.
                if exc.status != NO_SUCH_NAME or not 0 < exc.index <= len(active):
                    raise
                del active[exc.index - 1]
                continue
        finished: set[str] = set()
        width = len(active)
        started = dict(cursor)
        for position, varbind in enumerate(varbinds):
            column = active[position % width]
            if column in finished:
                continue
            if varbind.kind is ValueKind.END_OF_MIB_VIEW or not in_subtree(varbind.oid, column):
                finished.add(column)
                continue
            rows[column][varbind.oid[len(column) + 1 :]] = varbind
            cursor[column] = varbind.oid
        if not varbinds:
            finished.update(active)
        active = [c for c in active if c not in finished]
        for column in active:
            # Progress check once per column and response (not per value: this is the hot
            # loop); an agent going round in circles is also stopped by MAX_REQUESTS.
            if cursor[column] == started[column]:
                raise WalkError(f"agent returned nothing new after {started[column]} (not increasing)")
    raise WalkError(f"walk did not finish within {MAX_REQUESTS} requests")


async def walk(session: SnmpSession, base: str, max_repetitions: int = 20) -> list[VarBind]:
    """Every object below ``base`` in OID order (one column walk of the whole subtree)."""
    found = await walk_columns(session, [base], max_repetitions)
    values = list(found[base].values())
    if not values:
        # ``base`` may be a scalar instance itself: answer it like snmpwalk does.
        exact = await session.get([base])
        return [vb for vb in exact if not vb.missing]
    return values
