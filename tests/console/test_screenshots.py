"""Every console page at desktop width and at 390 px (a phone), saved as test artefacts in
build/screenshots/; at 390 px no page may scroll sideways, and no page may log an error
(a Content-Security-Policy violation included)."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.alerts.harness import api
from tests.console.browser import DESKTOP, PHONE, new_page, screenshot, sign_in
from tests.console.harness import PASSWORD, Console
from tests.console.scenes import HOSTILE_NOTE, down_with_evidence, heartbeat, subnet
from tests.eventually import eventually


async def populate(site: Console) -> dict[str, str]:
    ticket = await down_with_evidence(site, "web-1")
    code, _ = await api(
        site.daemon, "POST", f"/api/v1/tickets/{ticket['id']}/notes", json={"text": HOSTILE_NOTE}
    )
    assert code == 200
    number = await subnet(site)
    for body in (
        {"hostname": "router-1"},
        {"hostname": "till-1", "owner": "store-7"},
        {"address": "10.20.0.20", "status": "reserved", "description": "printer"},
        {"address": "10.20.0.100", "status": "dhcp"},
    ):
        code, answer = await api(site.daemon, "POST", f"/api/v1/ipam/subnets/{number}/allocate", json=body)
        assert code == 201, answer
    code, _ = await api(
        site.daemon,
        "POST",
        "/api/v1/silences",
        json={"matchers": ["site=store-9"], "ends_at": "2099-01-01T00:00:00Z", "comment": "store refit"},
    )
    assert code == 201
    await heartbeat(site, "till-1")
    runtime = site.daemon.runtime
    assert runtime is not None
    await eventually(lambda: ("pos-router", "tcp") in runtime.results.latest(), "a result for pos-router")
    return {
        "overview": "/console/",
        "tickets": "/console/tickets?status=active",
        "ticket": f"/console/tickets/{ticket['id']}",
        "faults": "/console/faults",
        "target": "/console/targets/web-1",
        "silences": "/console/silences",
        "ipam": "/console/ipam",
        "subnet": f"/console/ipam/subnets/{number}",
        "ipam-import": "/console/ipam/import",
        "pos": "/console/pos",
        "store": "/console/pos/stores/store-7",
        "not-found": "/console/tickets/999999",
    }


async def test_every_page_at_desktop_and_phone_width(site: Console, browser: Browser) -> None:
    pages = await populate(site)
    for width, viewport in (("desktop", DESKTOP), ("390", PHONE)):
        context, watched = await new_page(browser, site.base, viewport)
        page = watched.page
        await page.goto("/console/sign-in")
        await screenshot(page, f"sign-in-{width}")
        await sign_in(page, "ada", PASSWORD)
        for name, path in pages.items():
            await page.goto(path)
            await expect(page.locator("h1")).to_be_visible()
            if name == "target":
                await expect(
                    page.locator(".graph-box canvas, .graph-box:has-text('No measurements')").first
                ).to_be_visible()
            overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}"
            await screenshot(page, f"{name}-{width}")
        # The deliberate 404 page is the one failed load the browser may report.
        errors = [e for e in watched.errors if "status of 404" not in e]
        assert errors == [], errors
        assert watched.dialogs == []
        await context.close()
