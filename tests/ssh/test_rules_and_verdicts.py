"""Pure logic: rule matching and evidence, backup verdicts and daily deadlines, settings errors."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from monitord.config.loader import build_config
from monitord.errors import ConfigError
from monitord.logrules.evidence import Evidence
from monitord.logrules.matching import compile_rules, scan
from monitord.logrules.rules import DEFAULT_RULES, LogRule
from monitord.patterns import compile_pattern
from monitord.ssh.backups import BackupFile, judge, oldest_acceptable
from monitord.ssh.hostkeys import host_pattern
from probes.ssh_log import skipped

BERLIN = ZoneInfo("Europe/Berlin")


def test_each_rule_counts_a_line_once_and_defaults_catch_the_usual_suspects() -> None:
    text = (
        "error error error on one line\n"
        "kernel: Out of memory: Killed process 1 (java)\n"
        "blk_update_request: I/O error, dev sda, sector 42\n"
        "all good\n"
        "Segfault at 0x0\n"
    )
    counts: dict[str, int] = {}
    evidence = Evidence()
    scan(text, "/var/log/syslog", compile_rules(DEFAULT_RULES), counts, evidence)
    assert counts == {"oom": 1, "disk_io": 1, "error": 3}
    assert evidence.lines()[0] == (
        "[critical oom] /var/log/syslog: kernel: Out of memory: Killed process 1 (java)"
    )


def test_anchors_work_per_line_and_last_line_without_newline_counts() -> None:
    rules = compile_rules([LogRule(name="starts", pattern="^WARN")])
    counts: dict[str, int] = {}
    scan("WARN a\nnot WARN\nWARN b", "/x", rules, counts, None)
    assert counts == {"starts": 2}


def test_repeats_collapse_up_to_numbers_and_cap_is_counted() -> None:
    evidence = Evidence(max_entries=2)
    rules = compile_rules([LogRule(name="e", pattern="fail", severity="warning")])
    text = "".join(f"12:00:{i:02d} fail id={i}\n" for i in range(5)) + "other fail\nthird fail kind\n"
    counts: dict[str, int] = {}
    scan(text, "/a", rules, counts, evidence)
    assert counts == {"e": 7}
    assert evidence.lines() == (
        "[warning e] /a: 12:00:00 fail id=0 (repeated 5x)",
        "[warning e] /a: other fail",
        "... 1 more matching lines not shown",
    )


def test_rule_scoped_to_files() -> None:
    rule = LogRule(name="web", pattern="x", files=("/var/log/nginx/*",))
    assert rule.applies_to("/var/log/nginx/error.log")
    assert not rule.applies_to("/var/log/syslog")


def test_compressed_and_numbered_rotations_are_skipped() -> None:
    assert skipped("/var/log/syslog.2.gz")
    assert skipped("/var/log/app.log.1")
    assert skipped("/var/log/app.log.zst")
    assert not skipped("/var/log/syslog")
    assert not skipped("/var/log/app-2024.log")


def test_known_hosts_spelling() -> None:
    assert host_pattern("db1", 22) == "db1"
    assert host_pattern("127.0.0.1", 2222) == "[127.0.0.1]:2222"


def test_daily_deadline_window() -> None:
    due = time(6, 0)
    before_due = datetime(2026, 3, 10, 4, 0, tzinfo=BERLIN)  # yesterday's backup still counts
    assert (
        oldest_acceptable(before_due, None, due, BERLIN)
        == datetime(2026, 3, 8, 6, 0, tzinfo=BERLIN).timestamp()
    )
    after_due = datetime(2026, 3, 10, 7, 0, tzinfo=BERLIN)
    assert (
        oldest_acceptable(after_due, None, due, BERLIN)
        == datetime(2026, 3, 9, 6, 0, tzinfo=BERLIN).timestamp()
    )
    # With an age limit too, the stricter one wins.
    assert oldest_acceptable(after_due, 3600, due, BERLIN) == after_due.timestamp() - 3600


def test_judge_reports_every_problem_of_the_newest_file() -> None:
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC).timestamp()
    files = [BackupFile("/b/db-1", 1000, now - 90_000), BackupFile("/b/db-2", 100, now - 80_000)]
    verdict = judge(files, now=now, oldest_ok=now - 3600, min_size=500, max_shrink=0.5)
    assert verdict.newest == files[1]
    assert verdict.fields == {
        "files": 2,
        "missing": 0,
        "stale": 1,
        "too_small": 1,
        "shrunk": 1,
        "age_s": 80_000,
        "size_bytes": 100,
        "previous_size_bytes": 1000,
        "shrink_share": 0.9,
    }
    assert len(verdict.problems) == 3


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({}, "probes.ssh_log.files: Field required"),
        ({"files": ["var/log/syslog"]}, "'var/log/syslog' is not an absolute path"),
        ({"files": ["/x"], "rules": [{"name": "bad", "pattern": "("}]}, "not a valid regular expression"),
        (
            {
                "files": ["/x"],
                "rules": [{"name": "ok", "pattern": "x"}, {"name": "back", "pattern": r"(\w+) \1"}],
            },
            "probes.ssh_log.rules[1].pattern: not a valid regular expression: invalid escape sequence: \\1 "
            "(patterns use RE2 syntax: no backreferences or lookaround, see docs/patterns.md)",
        ),
        (
            {"files": ["/x"], "rules": [{"name": "look", "pattern": "error(?! ignored)"}]},
            "probes.ssh_log.rules[0].pattern: not a valid regular expression: invalid perl operator: (?! "
            "(patterns use RE2 syntax: no backreferences or lookaround, see docs/patterns.md)",
        ),
        (
            {"files": ["/x"], "rules": [{"name": "a", "pattern": "x"}, {"name": "a", "pattern": "y"}]},
            "duplicate rule name a",
        ),
        ({"files": ["/x"], "port": 0}, "port: Input should be greater than or equal to 1"),
    ],
)
def test_bad_ssh_log_settings_name_the_field(settings: dict[str, object], message: str) -> None:
    document = {
        "targets": [{"name": "db", "address": "127.0.0.1", "site": "hq", "probes": {"ssh_log": settings}}]
    }
    with pytest.raises(ConfigError) as caught:
        build_config(document)
    text = "\n".join(caught.value.lines())
    assert message in text
    assert "ssh_log" in text


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"directory": "/b", "pattern": "*", "timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"directory": "b", "pattern": "*"}, "'b' is not an absolute path"),
        ({"directory": "/b", "pattern": "*", "max_shrink": 2}, "max_shrink"),
        ({"directory": "/b", "pattern": "*", "due_by": "25:00"}, "due_by"),
    ],
)
def test_bad_backup_settings_name_the_field(settings: dict[str, object], message: str) -> None:
    document = {
        "targets": [{"name": "db", "address": "127.0.0.1", "site": "hq", "probes": {"backup": settings}}]
    }
    with pytest.raises(ConfigError) as caught:
        build_config(document)
    assert message in "\n".join(caught.value.lines())


def test_block_scan_counts_exactly_like_a_per_line_search() -> None:
    """One search per match over the whole block agrees with searching each line on its own."""
    rng = random.Random(1)
    words = [
        "error",
        "errors",
        "xerror",
        "_error",
        "Error",
        "ERROR-1",
        "fatal",
        "panic!",
        "segfault:",
        "é error",
        "ß",
        "İx",
        "K",
        "日本",
    ]
    patterns = [
        r"\b(?:error|fatal|segfault|panic)\b",
        r"\berror",
        r"\ba|b",
        r"\b\w+\b",
        r"\bERROR",
        r"\b(?:e|x)rror",
        r"\Serror",
        "^error",
        "error$",
        "rror kind|fatal|ERROR-",
        r"segfault:?$",
        r"(?:errors|panic)!?",
        "(?i)Error",
        "^$",
        "ß|k",
        r"\pL\pL",
    ]
    for _ in range(300):
        text = "\n".join(
            " ".join(rng.choice(words) for _ in range(rng.randrange(5))) for _ in range(rng.randrange(1, 6))
        )
        for pattern in patterns:
            for ignore_case in (False, True):
                counts: dict[str, int] = {}
                rule = LogRule(name="r", pattern=pattern, ignore_case=ignore_case)
                scan(text, "/x", compile_rules([rule]), counts, None)
                alone = compile_pattern(pattern, ignore_case=ignore_case)
                lines = text.split("\n")[: -1 if text.endswith("\n") else None]  # as the probe counts lines
                expected = sum(1 for line in lines if alone.search(line.encode()) is not None)
                assert counts["r"] == expected, (pattern, ignore_case, text)


def test_word_boundary_and_case_folding_follow_re2() -> None:
    """Documented in docs/patterns.md: ``\\b`` and ``\\w`` are ASCII-only, case folding is Unicode."""
    counts: dict[str, int] = {}
    rules = compile_rules(
        [
            LogRule(name="boundary", pattern=r"\berror"),
            LogRule(name="folded", pattern="straße", ignore_case=True),
        ]
    )
    scan("éerror\nSTRASSE\nSTRAẞE\n", "/x", rules, counts, None)
    # Python's re would see no boundary inside "éerror"; RE2's ASCII \b does.
    assert counts == {"boundary": 1, "folded": 1}


def test_catastrophic_patterns_scan_in_linear_time() -> None:
    """``(a+)+$`` on a line of a's ending in "b" backtracks 2**n times in Python's re (issue 13):
    with n = 40 the old scan did not finish within the test timeout."""
    rules = compile_rules(
        [LogRule(name="redos", pattern=r"(a+)+$"), LogRule(name="nested", pattern=r"(.*){13}X")]
    )
    line = "a" * 40 + "b"
    counts: dict[str, int] = {}
    scan("\n".join([line] * 1000) + "\nplain aaa\n", "/x", rules, counts, None)
    assert counts == {"redos": 1, "nested": 0}
