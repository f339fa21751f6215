"""One exception root for the daemon, with built-in bases where one fits.

Target failures are never exceptions (they are results with ``ok=False``);
these are for bad configuration, bad requests and bugs at component edges.
"""

from __future__ import annotations


class MonitordError(Exception):
    """Root of every error monitord raises on purpose."""


class ConfigError(MonitordError, ValueError):
    """The configuration is invalid; ``problems`` holds ``(path, message)`` pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{path}: {msg}" if path else msg for path, msg in problems))

    def lines(self) -> list[str]:
        """Each problem as ``path.to.field: message``, the form check-config prints."""
        return [f"{path}: {msg}" if path else msg for path, msg in self.problems]


class StartupError(MonitordError, RuntimeError):
    """A component cannot start (missing capability, unreachable state database...)."""


class StorageError(MonitordError, OSError):
    """A storage back end failed; callers spool and retry."""


class RetryableError(StorageError):
    """A write may succeed later; ``retry_after`` is the server's hint in seconds."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RequestError(MonitordError, ValueError):
    """A client request is invalid; ``field`` names the offending input."""

    def __init__(self, message: str, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


class NotFoundError(RequestError, LookupError):
    """A named object (target, ticket, subnet...) does not exist."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, field=field, status=404)


class ConflictError(RequestError):
    """The request conflicts with the current state (exhausted pool, duplicate...)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, field=field, status=409)
