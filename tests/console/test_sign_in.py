"""Signing in and out, lockout, an expired session and a forged form, in Debian's chromium."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import aiohttp
from playwright.async_api import Browser, expect

from monitord.clock import ShiftedClock
from tests.console.browser import new_page, sign_in
from tests.console.harness import LOCKOUT_THRESHOLD, PASSWORD, Console


def at_sign_in(url: str) -> dict[str, str]:
    """The query of a sign-in page URL (AssertionError when ``url`` is another page)."""
    parts = urlsplit(url)
    assert parts.path == "/console/sign-in", url
    return {key: values[0] for key, values in parse_qs(parts.query).items()}


async def test_every_page_needs_a_session_and_sign_out_ends_it(site: Console, browser: Browser) -> None:
    context, watched = await new_page(browser, site.base)
    page = watched.page
    await page.goto("/console/tickets?status=open")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert at_sign_in(page.url) == {"next": "/console/tickets?status=open"}
    await page.get_by_label("Name").fill("tom")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(f"{site.base}/console/tickets?status=open")  # back where it was going
    await expect(page.get_by_text("Tom Technician")).to_be_visible()

    cookies = {c["name"]: c for c in await context.cookies()}
    session = cookies["monitord_session"]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Strict"
    assert session["path"] == "/console"
    assert session["secure"] is False  # plain HTTP on loopback; Secure when served over TLS
    assert session["expires"] > 0  # a persistent cookie that ends with the session
    assert await page.evaluate("document.cookie") == ""  # no script can read it

    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_text("You are signed out.")).to_be_visible()
    await page.goto("/console/")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert at_sign_in(page.url) == {"next": "/console/"}

    # The old cookie is useless even if it was copied: the session ended on the server.
    async with aiohttp.ClientSession(cookies={"monitord_session": session["value"]}) as http:
        async with http.get(f"{site.base}/console/", allow_redirects=False) as answer:
            assert answer.status == 303
            assert answer.headers["Location"].startswith("/console/sign-in")
    assert watched.dialogs == [] and watched.errors == []
    await context.close()


async def test_healthz_and_static_files_need_no_session(site: Console) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{site.base}/healthz") as answer:
            assert answer.status in (200, 503)
        async with http.get(f"{site.base}/console/static/vendor/htmx.min.js") as answer:
            assert answer.status == 200
        async with http.get(f"{site.base}/", allow_redirects=False) as answer:
            assert answer.status == 302 and answer.headers["Location"] == "/console/"


async def test_wrong_passwords_lock_the_name(site: Console, browser: Browser) -> None:
    context, watched = await new_page(browser, site.base)
    page = watched.page
    for _ in range(LOCKOUT_THRESHOLD - 1):
        await sign_in(page, "ada", "not the password at all")
        await expect(page.get_by_role("alert")).to_have_text("Wrong name or password.")
    await sign_in(page, "ada", "not the password at all")  # this failure locks the name
    await expect(page.get_by_role("alert")).to_contain_text("Wrong name or password.")
    await sign_in(page, "ada", PASSWORD)  # the right password is refused while locked
    await expect(page.get_by_role("alert")).to_contain_text("Too many failed sign-ins")
    await expect(page).to_have_url(f"{site.base}/console/sign-in")
    assert "monitord_session" not in {c["name"] for c in await context.cookies()}
    # An unknown name reads exactly like a wrong password.
    await sign_in(page, "nobody", "whatever-password")
    await expect(page.get_by_role("alert")).to_have_text("Wrong name or password.")
    await context.close()


async def test_an_expired_session_asks_to_sign_in_again(site: Console, browser: Browser) -> None:
    context, watched = await new_page(browser, site.base)
    page = watched.page
    await sign_in(page, "vera", PASSWORD)
    await expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    clock = ShiftedClock()
    site.sessions.clock = clock
    clock.advance(site.daemon.loaded.config.accounts.session_lifetime + 1)
    await page.goto("/console/silences")
    await expect(page.get_by_text("Your session has expired or was closed: sign in again.")).to_be_visible()
    assert at_sign_in(page.url) == {"next": "/console/silences", "expired": "1"}
    assert "monitord_session" not in {c["name"] for c in await context.cookies()}
    await context.close()


async def test_a_form_without_its_csrf_token_is_refused(site: Console, browser: Browser) -> None:
    context, watched = await new_page(browser, site.base)
    page = watched.page
    await sign_in(page, "ada", PASSWORD)
    form = {"matchers": "target=web-1", "duration": "1h", "comment": "forged"}
    # The browser's own cookie goes along (as with a forged form), but not the token.
    answer = await context.request.post(f"{site.base}/console/silences", form=form, max_redirects=0)
    assert answer.status == 403
    assert "CSRF" in await answer.text()
    answer = await context.request.post(
        f"{site.base}/console/silences", form={**form, "csrf": "guessed"}, max_redirects=0
    )
    assert answer.status == 403
    await page.goto("/console/silences")
    await expect(page.get_by_text("forged")).to_have_count(0)
    # The sign-in form has its own token: a sign-in posted from elsewhere is refused too.
    answer = await context.request.post(
        f"{site.base}/console/sign-in", form={"name": "ada", "password": PASSWORD}, max_redirects=0
    )
    assert answer.status == 403
    await context.close()
