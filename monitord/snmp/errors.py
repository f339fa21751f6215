"""Why an SNMP request produced no values, as exceptions the probe turns into results.

Per-varbind exceptions (noSuchObject, noSuchInstance, endOfMibView) are not
errors: they arrive as ``VarBind`` values with their own ``ValueKind``. These are
request-level failures: nothing answered, the agent refused the credentials, or
the response carried an error status.
"""

from __future__ import annotations

from monitord.errors import MonitordError

# RFC 3416 error-status names, index = status code.
ERROR_STATUS_NAMES = (
    "noError",
    "tooBig",
    "noSuchName",
    "badValue",
    "readOnly",
    "genErr",
    "noAccess",
    "wrongType",
    "wrongLength",
    "wrongEncoding",
    "wrongValue",
    "noCreation",
    "inconsistentValue",
    "resourceUnavailable",
    "commitFailed",
    "undoFailed",
    "authorizationError",
    "notWritable",
    "inconsistentName",
)


class SnmpError(MonitordError):
    """A request to one agent failed; ``str(exc)`` is the reason a result carries."""


class SnmpTimeout(SnmpError, TimeoutError):
    """No response after every retry (host down, port filtered, or - for v1/v2c -
    a wrong community, which agents silently drop)."""


class SnmpAuthError(SnmpError):
    """The agent rejected the SNMPv3 credentials (unknown user, wrong key, bad level)."""


class SnmpErrorStatus(SnmpError):
    """The response carried a non-zero error-status (v1 ``noSuchName``, ``tooBig``...)."""

    def __init__(self, status: int, index: int, oid: str | None = None) -> None:
        self.status = status
        self.index = index
        self.oid = oid
        name = ERROR_STATUS_NAMES[status] if 0 <= status < len(ERROR_STATUS_NAMES) else f"error {status}"
        self.name = name
        where = f" at {oid}" if oid else ""
        super().__init__(f"agent answered {name}{where}")
