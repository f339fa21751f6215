"""Every JSON body goes through one reader: NUL anywhere is a 422 naming the field, booleans and
numbers are strict (issue 13, 11). Checked on the alert routes, whose models declare plain ``str``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.alerts.harness import api, config_doc, running


async def test_nul_anywhere_in_a_body_is_422_naming_the_field(tmp_path: Path) -> None:
    ends = (datetime.now(UTC) + timedelta(minutes=10)).isoformat()
    async with running(config_doc(tmp_path, [], "json://127.0.0.1:9/")) as daemon:
        for path, body, field in (
            ("/api/v1/silences", {"matchers": ["target=a\u0000"], "ends_at": ends}, "matchers[0]"),
            (
                "/api/v1/silences",
                {"matchers": ["target=a"], "ends_at": ends, "comment": "x\u0000"},
                "comment",
            ),
            ("/api/v1/silences", {"matchers": ["target=a"], "ends_at": ends, "x\u0000": 1}, "x\\0"),
            ("/api/v1/tickets/99/notes", {"text": "line one\nline two\u0000"}, "text"),
            ("/api/v1/tickets/99/close", {"root_cause": "\u0000"}, "root_cause"),
        ):
            status, answer = await api(daemon, "POST", path, json=body)
            assert (status, answer["field"]) == (422, field), (path, body, answer)
        status, silences = await api(daemon, "GET", "/api/v1/silences")
        assert (status, silences["silences"]) == (200, [])
        # Strict JSON: a number as a string is refused; the same body with real types is accepted.
        status, answer = await api(daemon, "GET", "/api/v1/tickets?limit=5")
        assert status == 200, answer
        status, answer = await api(
            daemon, "POST", "/api/v1/silences", json={"matchers": ["target=a"], "ends_at": ends, "comment": 5}
        )
        assert (status, answer["field"]) == (422, "comment"), answer
        status, answer = await api(
            daemon,
            "POST",
            "/api/v1/silences",
            json={"matchers": ["target=a"], "ends_at": ends, "comment": "line one\n\tline two"},
        )
        assert status == 201, answer
