"""The daemon's HTTP API as the ``monitord ipam`` commands use it (stdlib urllib, every call timed out).

The CLI runs no event loop, so blocking calls are fine here. The token comes
from ``--token`` or ``$MONITORD_TOKEN`` and is sent only as a bearer header.
"""

from __future__ import annotations

import csv
import io
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

DEFAULT_URL = "http://127.0.0.1:8470"


class ApiError(Exception):
    """The daemon answered with an error (or could not be reached)."""

    def __init__(
        self, status: int, message: str, field: str | None = None, body: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.status = status
        self.field = field
        self.body = body or {}


@dataclass(frozen=True)
class IpamClient:
    """Calls under ``API_PATH``; the asset register's client is the same with its own path."""

    API_PATH: ClassVar[str] = "/api/v1/ipam"
    base_url: str
    token: str | None
    timeout: float = 60.0

    @classmethod
    def from_options(cls, url: str | None, token: str | None, timeout: float) -> IpamClient:
        return cls(
            (url or os.environ.get("MONITORD_URL") or DEFAULT_URL).rstrip("/"),
            token or os.environ.get("MONITORD_TOKEN"),
            timeout,
        )

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: dict[str, Any] | None = None,
        raw: bytes | None = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        url = f"{self.base_url}{self.API_PATH}{path}"
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        merged = {"Accept": "application/json", **(headers or {})}
        if data is not None:
            merged["Content-Type"] = content_type
        if self.token:
            merged["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(url, data=data, method=method, headers=merged)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = response.read()
                kind = response.headers.get_content_type()
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            payload = exc.read()
            try:
                parsed = json.loads(payload)
            except ValueError:
                raise ApiError(exc.code, f"HTTP {exc.code}") from None
            raise ApiError(
                exc.code, str(parsed.get("error", f"HTTP {exc.code}")), parsed.get("field"), parsed
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ApiError(0, f"cannot reach the daemon at {self.base_url}: {reason}") from None
        if kind == "application/json":
            return status, json.loads(payload)
        return status, payload.decode()


def split_csv(text: str, rows_per_chunk: int) -> list[tuple[int, str]]:
    """``(line_offset, csv_text)`` chunks, each with the header, so line numbers stay the file's."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        return [(0, text)]
    chunks: list[tuple[int, str]] = []
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    first_line = 2
    rows = 0
    for values in reader:
        if rows == 0:
            first_line = reader.line_num
            writer.writerow(header)
        writer.writerow(values)
        rows += 1
        if rows == rows_per_chunk:
            chunks.append((first_line - 2, buffer.getvalue()))
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            rows = 0
    if rows:
        chunks.append((first_line - 2, buffer.getvalue()))
    return chunks


def _chunked_dry_run(client: IpamClient, chunks: list[tuple[int, str]]) -> dict[str, Any]:
    plan: dict[str, Any] = {
        "dry_run": True,
        "rows": 0,
        "create": 0,
        "update": 0,
        "unchanged": 0,
        "errors": [],
        "changes": [],
    }
    for offset, chunk in chunks:
        _status, part = client.request(
            "POST",
            "/import",
            raw=chunk.encode(),
            content_type="text/csv",
            query={"dry_run": "true", "line_offset": offset},
        )
        for key in ("rows", "create", "update", "unchanged"):
            plan[key] += part[key]
        plan["errors"].extend(part["errors"])
        plan["changes"].extend(part.get("changes", []))
    return plan


def import_with_progress(
    client: IpamClient, text: str, rows_per_chunk: int, dry_run: bool, progress: Callable[[int, int], None]
) -> dict[str, Any]:
    """Dry-run the whole file first (every bad row at once), then send it chunk by chunk.

    A file larger than the daemon's ``http.max_body_bytes`` is dry-run chunk by
    chunk instead (an address repeated in two chunks is then not reported).
    """
    chunks = split_csv(text, rows_per_chunk)
    try:
        _status, plan = client.request(
            "POST", "/import", raw=text.encode(), content_type="text/csv", query={"dry_run": "true"}
        )
    except ApiError as exc:
        if exc.status != 413:
            raise
        plan = _chunked_dry_run(client, chunks)
    if dry_run or plan["errors"]:
        return dict(plan)
    total: dict[str, Any] = {
        "dry_run": False,
        "rows": 0,
        "create": 0,
        "update": 0,
        "unchanged": 0,
        "errors": [],
        "changes": [],
    }
    for offset, chunk in chunks:
        _status, done = client.request(
            "POST", "/import", raw=chunk.encode(), content_type="text/csv", query={"line_offset": offset}
        )
        for key in ("rows", "create", "update", "unchanged"):
            total[key] += done[key]
        total["changes"].extend(done.get("changes", []))
        progress(int(total["rows"]), int(plan["rows"]))
    return total
