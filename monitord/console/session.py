"""The console's session: its cookie, the sign-in requirement and the CSRF check on every POST.

- The session cookie holds only the opaque token ``Sessions.open`` issued; it is
  ``HttpOnly`` (no script reads it), ``SameSite=Strict`` (no other site's page
  sends it), ``Secure`` when the request came over TLS, scoped to ``/console``
  and expires with the session.
- Every page except sign-in and the static files needs a session; without one
  (none, unknown or expired) a GET is redirected to sign-in with ``next``, a POST
  to sign-in without acting.
- Every POST must carry the session's CSRF token (form field ``csrf`` or header
  ``X-CSRF-Token``), compared in constant time; without it the answer is 403
  and nothing happens. The sign-in form, which has no session yet, uses a
  double-submit token: a random value in a short-lived cookie and in the form.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from urllib.parse import quote

from aiohttp import web
from aiohttp.typedefs import Handler

from monitord.accounts.principal import Principal
from monitord.api.auth import Identity, set_identity
from monitord.api.keys import SESSIONS_KEY
from monitord.errors import RequestError

PREFIX = "/console"
SESSION_COOKIE = "monitord_session"
SIGNIN_COOKIE = "monitord_signin"
SIGNIN_COOKIE_SECONDS = 3600
SIGN_IN_PATH = f"{PREFIX}/sign-in"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    """Who is signed in on this request; the token stays here and out of every template."""

    token: str
    principal: Principal
    csrf: str
    expires_at: float  # Unix seconds


SESSION = web.RequestKey("console_session", ConsoleSession)


class CsrfRefused(RequestError):
    def __init__(self) -> None:
        super().__init__(
            "this form is missing its CSRF token or carries a stale one: reload the page and try again",
            field=CSRF_FIELD,
            status=403,
        )


def session_of(request: web.Request) -> ConsoleSession:
    return request[SESSION]


def principal_of(request: web.Request) -> Principal:
    return request[SESSION].principal


def is_open(path: str) -> bool:
    """Paths served without a session: the sign-in page and the static files."""
    return path == SIGN_IN_PATH or path.startswith(f"{PREFIX}/static/")


def set_session_cookie(
    request: web.Request, response: web.StreamResponse, token: str, expires: float
) -> None:
    """``expires`` in Unix seconds: the cookie ends with the session's lifetime."""
    seconds = max(0, int(expires - time.time()))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=seconds,
        path=PREFIX,
        httponly=True,
        samesite="Strict",
        secure=request.secure,
    )


def clear_session_cookie(request: web.Request, response: web.StreamResponse) -> None:
    response.del_cookie(SESSION_COOKIE, path=PREFIX, httponly=True, samesite="Strict", secure=request.secure)


def new_signin_token() -> str:
    return secrets.token_urlsafe(32)


def set_signin_cookie(request: web.Request, response: web.StreamResponse, value: str) -> None:
    """The sign-in form's double-submit token (also in the form's hidden field)."""
    response.set_cookie(
        SIGNIN_COOKIE,
        value,
        max_age=SIGNIN_COOKIE_SECONDS,
        path=SIGN_IN_PATH,
        httponly=True,
        samesite="Strict",
        secure=request.secure,
    )


def same_token(expected: str, presented: object) -> bool:
    if not isinstance(presented, str) or not presented or not expected:
        return False
    return hmac.compare_digest(expected.encode(), presented.encode("utf-8", "surrogateescape"))


async def presented_csrf(request: web.Request) -> object:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    form = await request.post()  # cached: the handler reads the same form again
    return form.get(CSRF_FIELD)


def sign_in_redirect(request: web.Request, *, expired: bool) -> web.HTTPException:
    """Where a request without a valid session goes; a GET comes back to its page afterwards."""
    target = SIGN_IN_PATH
    params = []
    if request.method in SAFE_METHODS and request.headers.get("HX-Request") != "true":
        params.append(f"next={quote(request.path_qs, safe='')}")
    if expired:
        params.append("expired=1")
    if params:
        target += "?" + "&".join(params)
    redirect = web.HTTPSeeOther(target)
    if request.headers.get("HX-Request") == "true":
        redirect.headers["HX-Redirect"] = target  # a live refresh reloads the whole page
    if expired:
        clear_session_cookie(request, redirect)
    return redirect


@web.middleware
async def session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if is_open(request.path):
        return await handler(request)
    token = request.cookies.get(SESSION_COOKIE)
    found = await request.config_dict[SESSIONS_KEY].resolve(token) if token else None
    if token is None or found is None:
        raise sign_in_redirect(request, expired=token is not None)
    request[SESSION] = ConsoleSession(token, found.principal, found.csrf, found.expires_at)
    set_identity(request, Identity.of(found.principal, "session"))  # the API's checks see the person
    if request.method not in SAFE_METHODS and not same_token(found.csrf, await presented_csrf(request)):
        raise CsrfRefused
    return await handler(request)
