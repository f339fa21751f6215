"""The built-in http/tls/dns rules read fields their measurement declares (a typo would never fire)."""

from __future__ import annotations

from alerts.defaults import DEFAULT_RULES
from alerts.rules import AlertRule
from probes import dns, http, tls

DECLARED: dict[str, set[str]] = {}
for module in (http, tls, dns):
    for measurement, fields in module.WRITES.items():
        DECLARED.setdefault(measurement, set()).update(fields)


def test_threshold_rules_read_declared_fields() -> None:
    rules = [
        AlertRule.model_validate(raw)
        for raw in DEFAULT_RULES
        if raw["name"].startswith(("http-", "tls-", "dns-"))
    ]
    assert {r.name for r in rules} == {
        "http-down",
        "http-slow",
        "tls-certificate-expiring",
        "tls-certificate-expiring-critical",
        "tls-certificate-invalid",
        "tls-service-down",
        "dns-down",
        "dns-wrong-answer",
    }
    for rule in rules:
        measurement = rule.measurement or rule.kind or ""
        assert measurement in DECLARED, rule.name
        if rule.condition == "threshold":
            assert rule.field in DECLARED[measurement], rule.name


def test_certificate_limits() -> None:
    by_name = {r["name"]: r for r in DEFAULT_RULES}
    warning = by_name["tls-certificate-expiring"]
    assert (warning["below"], warning["severity"]) == (21, "warning")
    assert (
        by_name["tls-certificate-expiring-critical"]["below"],
        by_name["tls-certificate-expiring-critical"]["severity"],
    ) == (7, "critical")
