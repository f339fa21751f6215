"""What an admin and an on-call person do in the console, in Debian's chromium: allocate an
address and see it in the map, silence a target so its next message is muted, and see
hostile names, notes and evidence as text."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.alerts.harness import settle
from tests.console.browser import new_page, sign_in, unexpected
from tests.console.harness import HOSTILE_SITE, PASSWORD, Console
from tests.console.scenes import HOSTILE_EVIDENCE, HOSTILE_NOTE, down_with_evidence, subnet
from tests.eventually import eventually


async def test_an_admin_allocates_an_address_and_sees_it_in_the_map(site: Console, browser: Browser) -> None:
    number = await subnet(site)
    context, watched = await new_page(browser, site.base)
    page = watched.page
    await sign_in(page, "ada", PASSWORD)
    await page.goto("/console/ipam")
    await page.get_by_role("link", name="10.20.0.0/24").click()
    await expect(page.get_by_role("heading", name="10.20.0.0/24 · store-7 LAN")).to_be_visible()

    await page.get_by_label("Host name").fill("till-3")
    await page.get_by_role("button", name="Allocate").click()
    cell = page.locator("ol.map li[title^='10.20.0.1 ']")
    await expect(cell).to_have_class("cell allocated")
    await expect(page.locator("#a-10\\.20\\.0\\.1")).to_contain_text("till-3")

    await page.get_by_label("Address (empty: next free)").fill("10.20.0.50")
    await page.get_by_label("As").select_option("reserved")
    await page.get_by_role("button", name="Allocate").click()
    await expect(page.locator("ol.map li[title^='10.20.0.50 ']")).to_have_class("cell reserved")
    await expect(page.locator("ol.map li.network")).to_have_count(2)  # network and broadcast

    # Taking an address twice is refused with the reason, on a page (not JSON, not a 500).
    await page.get_by_label("Address (empty: next free)").fill("10.20.0.50")
    await page.get_by_role("button", name="Allocate").click()
    await expect(page.get_by_role("alert")).to_contain_text("10.20.0.50")
    await page.goto(f"/console/ipam/subnets/{number}")
    await page.locator("#a-10\\.20\\.0\\.1").get_by_role("button", name="Release").click()
    await expect(page.locator("ol.map li[title^='10.20.0.1 ']")).to_have_class("cell free")
    await page.goto("/console/ipam")
    await expect(page.locator("meter")).to_have_attribute("value", "0.39")  # 1 of 254
    assert unexpected(watched.errors, 409) == []  # the address taken twice
    await context.close()


async def test_a_silence_made_in_the_console_mutes_the_next_message(site: Console, browser: Browser) -> None:
    context, watched = await new_page(browser, site.base)
    page = watched.page
    await sign_in(page, "ada", PASSWORD)
    await page.goto("/console/silences")
    await page.get_by_label("Matchers, one per line").fill("target=web-1")
    await page.get_by_label("For (30m, 2h, 1d)").fill("2h")
    await page.get_by_label("Why").fill("maintenance window")
    await page.get_by_role("button", name="Preview").click()
    await expect(page.locator("#preview")).to_contain_text("Matches 0 alerts now.")
    await page.get_by_role("button", name="Create silence").click()
    await expect(page.get_by_role("cell", name="maintenance window")).to_be_visible()

    before = len(site.receiver.messages)
    await site.listeners["web-1"].close()
    await site.listeners["pos-router"].close()
    await settle(site.daemon)
    await eventually(
        lambda: any("pos-router" in m.body for m in site.receiver.messages[before:]),
        "the message about the target that is not silenced",
    )
    await settle(site.daemon)
    told = site.receiver.messages[before:]
    assert not any("web-1" in m.body or "web-1" in m.title for m in told), [m.title for m in told]

    # With web-1 down, the preview counts its firing alert; expiring the silence works.
    await page.get_by_label("Matchers, one per line").fill("target=web-1")
    await page.get_by_role("button", name="Preview").click()
    await expect(page.locator("#preview")).to_contain_text("Matches 1 alert now.")
    await page.get_by_role("row", name="maintenance window").get_by_role("button", name="Expire").click()
    await expect(page.get_by_role("cell", name="maintenance window")).to_have_count(0)
    await context.close()


async def test_hostile_names_notes_and_evidence_render_as_text(site: Console, browser: Browser) -> None:
    ticket = await down_with_evidence(site, "web-1")
    await site.listeners["pos-router"].close()
    context, watched = await new_page(browser, site.base)
    page = watched.page
    await sign_in(page, "tom", PASSWORD)
    await page.goto(f"/console/tickets/{ticket['id']}")
    await page.get_by_label("Note", exact=True).fill(HOSTILE_NOTE)
    await page.get_by_role("button", name="Add note").click()
    history = page.locator("#history")
    await expect(history).to_contain_text(HOSTILE_NOTE)
    await expect(history.locator("pre.evidence").first).to_contain_text(HOSTILE_EVIDENCE)
    await expect(page.locator("main img")).to_have_count(0)

    await page.goto("/console/")
    await expect(page.get_by_role("link", name=HOSTILE_SITE)).to_be_visible()
    await page.get_by_role("link", name=HOSTILE_SITE).click()  # the site filter carries it safely
    targets = page.locator("section[aria-labelledby=h-targets]")
    await expect(targets.get_by_role("link", name="pos-router")).to_be_visible()
    await targets.get_by_role("link", name="pos-router").click()
    await expect(page.locator(".facts")).to_contain_text(HOSTILE_SITE)
    await expect(page.locator(".facts")).to_contain_text('quote"tag')

    # Only the daemon's own scripts ever exist; nothing injected ran or was blocked.
    sources = await page.eval_on_selector_all("script", "nodes => nodes.map(n => n.getAttribute('src'))")
    assert all(s and s.startswith("/console/static/") for s in sources), sources
    assert watched.dialogs == []
    assert watched.errors == []
    await context.close()
