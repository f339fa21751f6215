"""Message templates (issue 12 finding 5): checked at load, the short form names the target once
and fits one GSM-7 SMS, times in the site's time zone. Through a real daemon and ``json://``."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from alerts.sms import fit_sms, gsm7_length, to_gsm7
from monitord.config.loader import build_config
from monitord.errors import ConfigError
from tests.alerts.harness import DOWN_RULE, Listener, api, config_doc, running, tcp_target
from tests.servers.receiver import Receiver

SHORT_KNOWN = (
    "count, first, group, more, plural, priority, rule, severity, since, site, status, "
    "summary, target, ticket"
)


@pytest.mark.parametrize(
    ("templates", "message"),
    [
        (
            {"short": "{priority} #{tikcet} {target}: {summary}"},
            f"notify.templates.short: unknown placeholder {{tikcet}} (known: {SHORT_KNOWN})",
        ),
        (
            {"line": "#{ticket} {target} {first}"},
            "notify.templates.line: unknown placeholder {first} "
            "(known: attached, attached_text, priority, rule, "
            "severity, since, site, status, summary, target, ticket)",
        ),
        (
            {"title": "{status} {port}"},
            f"notify.templates.title: unknown placeholder {{port}} (known: {SHORT_KNOWN})",
        ),
    ],
)
def test_unknown_placeholders_are_refused_naming_the_template(
    templates: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        build_config({"notify": {"templates": templates}})
    assert caught.value.lines() == [message]


def test_sms_text_is_gsm7_and_fits_160_septets() -> None:
    assert to_gsm7("Zürich\u2013Süd \u201cerp\u201d \u2026 \u65e5 \u010d") == 'Zürich-Süd "erp" ... ? c'
    assert gsm7_length("a{b}€") == 8  # extension characters take two septets
    long = "URGENT FIRING store-0001: " + "till-1 has not sent a heartbeat, " * 8
    cut = fit_sms(long)
    assert gsm7_length(cut) <= 160 and cut.endswith("...") and cut.startswith("URGENT FIRING store-0001")
    assert cut[:-3].endswith("heartbeat") or cut[:-3].endswith("a"), cut  # cut at a word boundary
    braces = fit_sms("{}" * 100)
    assert gsm7_length(braces) <= 160 and len(braces) < 160
    assert fit_sms("short\nand sweet") == "short and sweet"


async def test_short_form_names_target_once_fits_an_sms_and_shows_site_time(
    tmp_path: Path, receiver: Receiver, listeners: Callable[[], Listener]
) -> None:
    """The reported SMS was ``URGENT ESCALATED head-office: erp-db erp-db: ...`` and a custom
    ``{priority} #{ticket} {target}: {summary}`` arrived as ``URGENT #? ?: ?``; times were UTC."""
    service = listeners()
    rule = {
        **DOWN_RULE,
        "summary": "{target} port {port} down: {reason} \u2013 check the ERP database "
        "server in rack 4 of the server room and call the vendor hotline "
        "if it stays down for more than ten minutes",
    }
    doc = config_doc(
        tmp_path,
        [tcp_target("erp-db", service.port, site="head-office", criticality="urgent")],
        receiver.url("full"),
        rules=[rule],
        notify={
            "routes": [
                {"name": "full", "urls": [receiver.url("full")], "group_wait": 0},
                {
                    "name": "sms",
                    "urls": [receiver.url("sms")],
                    "format": "short",
                    "group_wait": 0,
                    "continue": True,
                },
                {"name": "pager", "urls": [receiver.url("pager")], "format": "short", "group_wait": 0},
            ]
        },
    )
    for route in doc["notify"]["routes"]:
        route["continue"] = True
    doc["sites"] = {"head-office": {"timezone": "Asia/Kolkata"}}
    async with running(doc) as daemon:
        await receiver.wait_for(3, 60)
        by_path = {m.path: m for m in receiver.messages}
        sms = by_path["/sms"].body
        print(f"SMS ({gsm7_length(sms)} septets): {sms}")
        assert sms.startswith("URGENT FIRING head-office: erp-db port ")
        assert sms.count("erp-db") == 1, sms
        assert gsm7_length(sms) <= 160 and sms.endswith("..."), sms
        assert "\u2013" not in sms and "?" not in sms

        _, alerts = await api(daemon, "GET", "/api/v1/alerts")
        fired = datetime.fromisoformat(alerts["alerts"][0]["fired_at"]).astimezone(ZoneInfo("Asia/Kolkata"))
        full = by_path["/full"].body
        assert f"since {fired:%Y-%m-%d %H:%M} IST:" in full, full
        assert not re.search(r"\d\d:\d\d UTC", full)

    # a custom short template with the fields the finding saw as "?" (a fresh state store)
    receiver.messages.clear()
    doc["daemon"]["state_dir"] = str(tmp_path / "state-2")
    doc["notify"]["templates"] = {"short": "{priority} #{ticket} {target} {since}: {summary}"}
    doc["notify"]["routes"] = [
        {"name": "sms", "urls": [receiver.url("sms")], "format": "short", "group_wait": 0}
    ]
    async with running(doc) as daemon:
        await receiver.wait_for(1, 60)
        _, body = await api(daemon, "GET", "/api/v1/tickets")
        ticket_id = body["tickets"][0]["id"]
        text = receiver.messages[0].body
        print(f"custom SMS: {text}")
        assert text.startswith(f"URGENT #{ticket_id} erp-db "), text
        assert " IST: erp-db port " in text and "#?" not in text and " ?:" not in text
        assert gsm7_length(text) <= 160
