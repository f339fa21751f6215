"""Security headers on every console answer: a strict CSP and no framing, sniffing or caching.

The Content-Security-Policy lets a page load only the daemon's own scripts and
styles (no inline script, no inline style element, no eval), post forms only
back to the daemon and be framed by nobody. uPlot sets element styles through the
CSSOM, which ``style-src 'self'`` allows; htmx is told not to inject its indicator
style element (``<meta name="htmx-config">`` in the base template).
"""

from __future__ import annotations

from aiohttp import web

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """An ``on_response_prepare`` hook: pages, redirects, error pages and static files alike."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if not request.path.startswith("/console/static/"):
        # Pages show who is signed in and what they may do: never from a shared cache.
        response.headers.setdefault("Cache-Control", "no-store")
