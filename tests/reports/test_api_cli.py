"""On-demand reports from a running daemon: the rollup fed by real probe results, the API in
every format, its 4xx naming the field, and ``monitord report`` saving a PDF (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import io
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

from monitord.cli import main
from monitord.reports.tables import report_rollup
from tests.daemon_harness import ADMIN_TOKEN, READ_TOKEN, auth, base_config, url
from tests.eventually import eventually
from tests.reports.daemon import reports_of, running
from tests.servers.processes import free_port


def document(tmp_path: Path, state_url: str) -> dict[str, Any]:
    closed = free_port()  # nothing listens: every run fails
    doc = base_config(
        tmp_path / "state",
        sites={"hq": {"timezone": "Europe/Berlin"}},
        targets=[
            {
                "name": "gone-service",
                "address": "127.0.0.1",
                "site": "hq",
                "criticality": "urgent",
                "probes": {"tcp": {"port": closed, "interval": "1s", "timeout": "1s"}},
            }
        ],
        reports={"timezone": "Europe/Berlin", "flush_every": "1s"},
        alerts={"enabled": False},
    )
    doc["storage"] = {"state_url": state_url}
    return doc


async def test_reports_from_a_running_daemon(tmp_path: Path, state_url: str) -> None:
    async with running(document(tmp_path, state_url)) as daemon:
        assert reports_of(daemon).flushes >= 0

        async def failed_runs() -> int:
            async with daemon.state_store.engine.connect() as conn:
                query = select(func.coalesce(func.sum(report_rollup.c.failed), 0)).where(
                    report_rollup.c.target == "gone-service"
                )
                return int((await conn.execute(query)).scalar_one())

        async def three_failed() -> bool:
            return await failed_runs() >= 3  # two gaps of 1 s between failed runs: >= 2 s down

        await eventually(three_failed, "failed runs in the rollup", timeout=30)
        base = url(daemon, "/api/v1/reports")
        async with aiohttp.ClientSession(headers=auth(READ_TOKEN)) as http:
            async with http.get(f"{base}/availability", params={"period": "this-month"}) as answer:
                assert answer.status == 200, await answer.text()
                assert answer.headers["Content-Type"].startswith("text/html")
                page = await answer.text()
            assert "gone-service" in page and "<svg" in page and "Critical targets" in page
            params = {"period": "this-month", "format": "csv", "table": "critical_targets"}
            async with http.get(f"{base}/availability", params=params) as answer:
                assert answer.status == 200
                lines = (await answer.text()).splitlines()
            assert (
                lines[0] == "target,site,kind,availability_pct,outage_minutes,outages,longest_outage_minutes"
            )
            target, site, kind, share, *_ = lines[1].split(",")
            assert (target, site, kind) == ("gone-service", "hq", "tcp")
            assert float(share) < 100.0
            async with http.get(f"{base}/management", params={"format": "csv"}) as answer:
                assert answer.headers["Content-Type"] == "application/zip"
                names = zipfile.ZipFile(io.BytesIO(await answer.read())).namelist()
            assert {"sites.csv", "stores.csv", "incidents.csv", "backups.csv", "workload.csv"} <= set(names)
            async with http.get(
                f"{base}/incidents", params={"from": "2026-01-01", "to": "2026-02-01", "format": "pdf"}
            ) as answer:
                assert answer.status == 200
                assert (
                    answer.headers["Content-Disposition"]
                    == 'attachment; filename="incidents-report-2026-01-01.pdf"'
                )
                assert (await answer.read()).startswith(b"%PDF-")
            for params, field, status in [
                ({"period": "fortnight"}, "period", 422),
                ({"from": "2026-01-01"}, "to", 422),
                ({"from": "soon", "to": "2026-02-01"}, "from", 422),
                ({"format": "docx"}, "format", 422),
                ({"format": "csv", "table": "nonsense"}, "table", 422),
                ({"format": "html", "table": "sites"}, "table", 422),
                ({"colour": "blue"}, "colour", 422),
            ]:
                async with http.get(f"{base}/management", params=params) as answer:
                    body = await answer.json()
                    assert (answer.status, body.get("field")) == (status, field), (params, body)
            async with http.get(f"{base}/quarterly") as answer:
                assert answer.status == 404
                assert (await answer.json())["field"] == "kind"
        async with aiohttp.ClientSession() as anonymous, anonymous.get(f"{base}/management") as answer:
            assert answer.status == 401

        # The CLI asks the same daemon and saves the PDF (blocking stdlib HTTP: off the loop).
        output = tmp_path / "report.pdf"
        argv = ["report", "--period", "last-month", "--format", "pdf", "-o", str(output)]
        argv += ["--url", url(daemon, ""), "--token", ADMIN_TOKEN]
        assert await asyncio.to_thread(main, argv) == 0
        assert output.read_bytes().startswith(b"%PDF-")
        pages = await asyncio.to_thread(
            subprocess.run, ["pdfinfo", str(output)], capture_output=True, text=True, check=True, timeout=60
        )
        assert "Pages:" in pages.stdout
        refused = [
            "report",
            "--period",
            "last-month",
            "--url",
            url(daemon, ""),
            "--token",
            "wrong-token-0123456789",
        ]
        assert await asyncio.to_thread(main, refused) == 1
