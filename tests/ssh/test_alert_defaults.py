"""The built-in alert rules for logs and backups are valid and read fields the probes write."""

from __future__ import annotations

from alerts.defaults import DEFAULT_RULES
from alerts.rules import AlertRule, effective_rules
from monitord.logrules.matching import compile_rules
from monitord.logrules.rules import DEFAULT_RULES as LOG_RULES
from monitord.ssh.backups import BackupFile, judge
from probes.ssh_log import SshLogProbe

OURS = {"ssh_log", "backup"}


def test_log_and_backup_rules_validate_and_are_in_effect() -> None:
    names = {rule.name for rule in effective_rules([], True, [])}
    ours = [AlertRule.model_validate(raw) for raw in DEFAULT_RULES if raw.get("kind") in OURS]
    assert {r.name for r in ours} >= {
        "log-critical",
        "log-errors",
        "backup-missing",
        "backup-stale",
        "backup-shrunken",
    }
    assert {r.name for r in ours} <= names


def test_rules_read_fields_the_probes_produce() -> None:
    counts = {rule.name: 0 for rule in LOG_RULES}
    log_fields = set(SshLogProbe._fields(compile_rules(LOG_RULES), counts, [], 0))
    files = [BackupFile("/b/1", 10, 0.0), BackupFile("/b/2", 10, 1.0)]
    backup_fields = {
        "up",
        "checksum_ok",
        "verify_ok",
        "verified",
        *judge(files, now=2.0, oldest_ok=0.0, min_size=1, max_shrink=0.5).fields,
    }
    for raw in DEFAULT_RULES:
        rule = AlertRule.model_validate(raw)
        if rule.condition == "down":  # reads the verdict (ok/up), not a field
            continue
        if rule.kind == "ssh_log":
            assert rule.field in log_fields, rule.name
        elif rule.kind == "backup":
            assert rule.field in backup_fields, rule.name
