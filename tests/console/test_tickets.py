"""Working a ticket in the browser: a technician is assigned one (and told on their own
json:// contact), acknowledges it and closes it with a root cause; a viewer cannot act."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Browser, expect

from tests.alerts.harness import api, settle
from tests.console.browser import new_page, sign_in, unexpected
from tests.console.harness import PASSWORD, Console
from tests.eventually import eventually


async def ticket_of(site: Console, target: str, status: str | None = None) -> dict[str, Any] | None:
    code, body = await api(site.daemon, "GET", "/api/v1/tickets?limit=50")
    assert code == 200
    for ticket in body["tickets"]:
        if ticket["target"] == target and (status is None or ticket["status"] == status):
            return ticket
    return None


async def target_down(site: Console, name: str) -> dict[str, Any]:
    await site.listeners[name].close()
    found: dict[str, Any] = await eventually(lambda: ticket_of(site, name, "open"), f"a ticket for {name}")
    return found


async def test_a_technician_is_assigned_a_ticket_acknowledges_and_closes_it(
    site: Console, browser: Browser
) -> None:
    ticket = await target_down(site, "web-1")
    number = ticket["id"]
    await settle(site.daemon)
    before = len(site.receiver.messages)

    admin_context, admin = await new_page(browser, site.base)
    await sign_in(admin.page, "ada", PASSWORD)
    await admin.page.goto(f"/console/tickets/{number}")
    await admin.page.get_by_label("Assign to").select_option("tom")
    await admin.page.get_by_role("button", name="Assign").click()
    await expect(admin.page.get_by_text("assigned to tom")).to_be_visible()

    told = await eventually(
        lambda: [m for m in site.receiver.messages[before:] if m.path == "/people/tom"],
        "the assignment notice at tom's own contact",
    )
    assert f"#{number}" in told[0].title and "ada" in told[0].body

    tech_context, tech = await new_page(browser, site.base)
    page = tech.page
    await sign_in(page, "tom", PASSWORD)
    await page.goto("/console/tickets")
    await page.get_by_label("Mine").check()
    await page.get_by_role("button", name="Filter").click()
    await expect(page.get_by_role("link", name=f"#{number}", exact=True)).to_be_visible()
    await page.get_by_role("link", name=f"#{number}", exact=True).click()
    await page.get_by_role("button", name="Acknowledge").click()
    await expect(page.locator(".facts .status")).to_have_text("acknowledged")

    # A firing ticket cannot be closed without force: the page says why, nothing changes.
    await page.get_by_label("Root cause").fill("switch port 12 flapped")
    await page.get_by_role("button", name="Close").click()
    await expect(page.get_by_role("alert")).to_contain_text("still fires")
    await page.go_back()

    await site.listeners["web-1"].open()  # the service recovers: the ticket resolves itself
    await eventually(lambda: ticket_of(site, "web-1", "resolved"), "the ticket to resolve")
    await page.goto(f"/console/tickets/{number}")
    await page.get_by_label("Root cause").fill("switch port 12 flapped")
    await page.get_by_role("button", name="Close").click()
    await expect(page.locator(".facts .status")).to_have_text("closed")
    await expect(page.locator(".facts")).to_contain_text("switch port 12 flapped")
    await expect(page.locator("#history")).to_contain_text("closed: switch port 12 flapped")
    closed = await ticket_of(site, "web-1", "closed")
    assert closed is not None and closed["root_cause"] == "switch port 12 flapped"
    history = (await api(site.daemon, "GET", f"/api/v1/tickets/{number}"))[1]["history"]
    assert {(e["kind"], e["actor"]) for e in history} >= {("assign", "ada"), ("ack", "tom"), ("close", "tom")}
    assert admin.errors == [] and unexpected(tech.errors, 409) == []  # the refused close
    await admin_context.close()
    await tech_context.close()


async def test_a_viewer_sees_no_actions_and_their_posts_are_refused(site: Console, browser: Browser) -> None:
    ticket = await target_down(site, "web-1")
    number = ticket["id"]
    context, watched = await new_page(browser, site.base)
    page = watched.page
    await sign_in(page, "vera", PASSWORD)
    await page.goto(f"/console/tickets/{number}")
    await expect(page.get_by_role("heading", name="History")).to_be_visible()
    await expect(page.locator("main form")).to_have_count(0)
    await expect(page.get_by_role("button", name="Acknowledge")).to_have_count(0)
    await page.goto("/console/silences")
    await expect(page.get_by_role("button", name="Create silence")).to_have_count(0)

    # Even with her own valid CSRF token, every action of hers is 403 and changes nothing.
    csrf = await page.locator("form[action='/console/sign-out'] input[name=csrf]").get_attribute("value")
    assert csrf
    for path, form in (
        (f"/console/tickets/{number}/ack", {}),
        (f"/console/tickets/{number}/note", {"text": "viewer note"}),
        (f"/console/tickets/{number}/close", {"root_cause": "viewer"}),
        (f"/console/tickets/{number}/assign", {"assignee": "vera"}),
        ("/console/silences", {"matchers": "target=web-1", "duration": "1h"}),
        ("/console/ipam/subnets/1/allocate", {}),
    ):
        answer = await context.request.post(
            f"{site.base}{path}", form={"csrf": csrf, **form}, max_redirects=0
        )
        assert answer.status == 403, path
    after = await ticket_of(site, "web-1")
    assert after is not None and after["status"] == "open" and after["assignee"] is None
    history = (await api(site.daemon, "GET", f"/api/v1/tickets/{number}"))[1]["history"]
    assert all(e["actor"] != "vera" for e in history)
    await context.close()


async def test_a_repair_request_is_closed_in_the_console_with_its_resolution(
    site: Console, browser: Browser
) -> None:
    """The console acts through the repair desk as the API does: closing a repair request
    needs a resolution, and the one typed in the close form is stored with the request."""
    code, opened = await api(
        site.daemon,
        "POST",
        "/api/v1/tickets",
        json={
            "category": "printer",
            "site": "store-7",
            "description": "receipt printer jams",
            "reporter": "Jane Doe",
            "contact": "+49 30 1234567",
        },
    )
    assert code == 201, opened
    number = opened["id"]
    context, watched = await new_page(browser, site.base)
    page = watched.page
    await sign_in(page, "ada", PASSWORD)
    await page.goto(f"/console/tickets/{number}")
    await page.get_by_label("Root cause").fill("paper roll mounted backwards")
    await page.get_by_role("button", name="Close").click()
    await expect(page.get_by_role("alert")).to_contain_text("resolution")  # refused: none given
    await page.goto(f"/console/tickets/{number}")
    await page.locator("#c-resolution").fill("remounted the paper roll")
    await page.get_by_label("Root cause").fill("paper roll mounted backwards")
    await page.get_by_role("button", name="Close").click()
    await expect(page.locator(".facts .status")).to_have_text("closed")
    _, body = await api(site.daemon, "GET", f"/api/v1/tickets/{number}")
    assert body["request"]["resolution"] == "remounted the paper roll", body
    assert unexpected(watched.errors, 409, 422) == []
    await context.close()
