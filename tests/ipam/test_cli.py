"""``monitord ipam ...`` as an admin would run it, against a real daemon."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import aiohttp

from tests.daemon_harness import ADMIN_TOKEN, READ_TOKEN, running_daemon, url
from tests.ipam.conftest import Api, ipam_document


async def _cli(api: Api, *argv: str, token: str = ADMIN_TOKEN) -> tuple[int, str, str]:
    env = {**os.environ, "MONITORD_TOKEN": token, "MONITORD_URL": url(api.daemon, "")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "monitord",
        "ipam",
        *argv,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_cli_common_operations(api: Api, tmp_path: Path) -> None:
    code, out, err = await _cli(api, "add-subnet", "10.95.0.0/24", "--site", "store-0009", "--json")
    assert code == 0, err
    code, out, err = await _cli(api, "allocate", "1", "--hostname", "till-1", "--mac", "00:11:22:33:44:55")
    assert (code, out.split()[0]) == (0, "10.95.0.1")
    code, out, err = await _cli(api, "find", "till-1", token=READ_TOKEN)
    assert code == 0 and "10.95.0.1" in out and "mac=00:11:22:33:44:55" in out
    code, out, err = await _cli(api, "allocate", "1", "--address", "10.96.0.1")
    assert code == 1 and "address: 10.96.0.1 is outside subnet 10.95.0.0/24" in err
    code, out, err = await _cli(api, "allocate", "1", token=READ_TOKEN)
    assert code == 1 and "needs admin" in err
    code, out, err = await _cli(api, "subnets", token=READ_TOKEN)
    assert code == 0 and "10.95.0.0/24" in out and "1/254" in out
    code, out, err = await _cli(api, "release", "10.95.0.1")
    assert code == 0 and "released 10.95.0.1" in out


async def test_cli_import_shows_progress_and_reports_bad_lines(api: Api, tmp_path: Path) -> None:
    await api.subnet("10.96.0.0/24")
    good = tmp_path / "good.csv"
    good.write_text("address,hostname\n" + "".join(f"10.96.0.{i},pos-{i}\n" for i in range(1, 8)))
    code, out, err = await _cli(api, "import", str(good), "--chunk", "3")
    assert code == 0, err
    assert "imported 3/7 rows" in err and "imported 7/7 rows (100 %)" in err
    assert "7 rows: created 7" in out
    bad = tmp_path / "bad.csv"
    bad.write_text('address,hostname\n10.96.0.20,ok\n10.96.0.999,bad\n10.96.0.21,"bad name"\n')
    code, out, err = await _cli(api, "import", str(bad))
    assert code == 1
    assert f"{bad}:3: address:" in out and f"{bad}:4: hostname:" in out and "nothing imported" in out
    # Re-importing with one cell emptied: the dry run lists the change, the other columns stay.
    good.write_text("address,hostname\n10.96.0.1,\n")
    code, out, err = await _cli(api, "import", str(good), "--dry-run")
    assert code == 0 and f"{good}:2: 10.96.0.1 hostname: pos-1 -> (empty)" in out, (out, err)
    exported = tmp_path / "out.csv"
    code, out, err = await _cli(api, "export", "-o", str(exported), token=READ_TOKEN)
    assert code == 0
    lines = exported.read_text().splitlines()
    assert len(lines) == 8 and lines[1].startswith("10.96.0.1,10.96.0.0/24,allocated,pos-1")


async def test_cli_import_larger_than_one_request_is_checked_and_sent_in_chunks(tmp_path: Path) -> None:
    document = ipam_document(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'state.db'}")
    document["http"]["max_body_bytes"] = 1024
    async with running_daemon(document) as daemon, aiohttp.ClientSession() as session:
        api = Api(daemon, session)
        await api.subnet("10.97.0.0/24")
        big = tmp_path / "big.csv"
        rows = "".join(f"10.97.0.{i},store-0001-pos-terminal-{i:03d}\n" for i in range(1, 101))
        big.write_text("address,hostname\n" + rows + "10.97.1.1,outside\n")
        assert big.stat().st_size > 1024
        code, out, err = await _cli(api, "import", str(big), "--chunk", "20")
        assert code == 1 and f"{big}:102: address:" in out  # found by the chunked dry run
        big.write_text("address,hostname\n" + rows)
        code, out, err = await _cli(api, "import", str(big), "--chunk", "20")
        assert code == 0, err
        assert "imported 100/100 rows (100 %)" in err and "100 rows: created 100" in out
