"""Sign-in and sign-out pages.

Sign-in checks the double-submit token, asks ``Accounts.authenticate`` (which
hashes, counts failures and locks with backoff) and opens a session with
``Sessions.open``; the answer says why a sign-in was refused without telling
an unknown name from a wrong password. Sign-out closes the session on the
server, so the old cookie is useless even if it was copied.
"""

from __future__ import annotations

from aiohttp import web

from monitord.accounts.service import SignInRefused
from monitord.api.keys import ACCOUNTS_KEY, SESSIONS_KEY
from monitord.console.render import render, see_other
from monitord.console.session import (
    CSRF_FIELD,
    PREFIX,
    SIGN_IN_PATH,
    SIGNIN_COOKIE,
    CsrfRefused,
    clear_session_cookie,
    new_signin_token,
    same_token,
    session_of,
    set_session_cookie,
    set_signin_cookie,
)

MAX_NAME = 128
MAX_PASSWORD = 1024
HOME = f"{PREFIX}/"


def safe_next(value: object) -> str:
    """Only a console page of this daemon: never another host, scheme or protocol-relative URL."""
    if not isinstance(value, str) or not value.startswith(f"{PREFIX}/") or "\\" in value:
        return HOME
    if value.startswith("//") or any(ord(c) < 0x20 for c in value):
        return HOME
    return value


def _form(
    request: web.Request, *, status: int, message: str | None, name: str, next_page: str
) -> web.Response:
    token = new_signin_token()
    response = render(
        request,
        "sign_in.html",
        {"title": "Sign in", "message": message, "name": name, "next": next_page, "signin_csrf": token},
        status=status,
    )
    set_signin_cookie(request, response, token)
    return response


async def sign_in_page(request: web.Request) -> web.Response:
    message = None
    if request.query.get("expired") == "1":
        message = "Your session has expired or was closed: sign in again."
    elif request.query.get("signed_out") == "1":
        message = "You are signed out."
    return _form(
        request, status=200, message=message, name="", next_page=safe_next(request.query.get("next"))
    )


def _refusal(refused: SignInRefused) -> tuple[int, str]:
    if refused.reason == "locked":
        seconds = max(1, round(refused.retry_after or 1))
        return 429, f"Too many failed sign-ins for this account: try again in {seconds} seconds."
    if refused.reason == "disabled":
        return 403, "This account is disabled: ask an administrator."
    if refused.retry_after:  # this failure locked the name
        seconds = max(1, round(refused.retry_after))
        return 401, f"Wrong name or password. Too many failed sign-ins: try again in {seconds} seconds."
    return 401, "Wrong name or password."


async def sign_in(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    if not same_token(request.cookies.get(SIGNIN_COOKIE, ""), form.get(CSRF_FIELD)):
        raise CsrfRefused
    name = form.get("name")
    password = form.get("password")
    next_page = safe_next(form.get("next"))
    if not isinstance(name, str) or not isinstance(password, str) or not name or not password:
        return _form(
            request, status=422, message="Enter your name and password.", name="", next_page=next_page
        )
    name = name.strip()[:MAX_NAME]
    if len(password) > MAX_PASSWORD:
        return _form(request, status=401, message="Wrong name or password.", name=name, next_page=next_page)
    source = request.remote or "unknown"
    try:
        principal = await request.config_dict[ACCOUNTS_KEY].authenticate(name, password, source)
    except SignInRefused as refused:
        status, message = _refusal(refused)
        response = _form(request, status=status, message=message, name=name, next_page=next_page)
        if refused.reason == "locked" and refused.retry_after:
            response.headers["Retry-After"] = str(max(1, round(refused.retry_after)))
        return response
    issued = await request.config_dict[SESSIONS_KEY].open(principal, source)
    response = see_other(next_page)
    set_session_cookie(request, response, issued.token, issued.expires_at)
    response.del_cookie(SIGNIN_COOKIE, path=SIGN_IN_PATH)
    return response


async def sign_out(request: web.Request) -> web.StreamResponse:
    session = session_of(request)
    await request.config_dict[SESSIONS_KEY].close(session.token, request.remote or "console")
    response = see_other(f"{SIGN_IN_PATH}?signed_out=1")
    clear_session_cookie(request, response)
    return response


def setup(app: web.Application) -> None:
    app.router.add_get("/sign-in", sign_in_page)
    app.router.add_post("/sign-in", sign_in)
    app.router.add_post("/sign-out", sign_out)
