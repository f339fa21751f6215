"""Silences: the list, a new silence with a preview ("matches N alerts now"), and expiry.

A silence is built as the same ``SilenceSpec`` the API validates and stored with
``AlertService.add_silence``, the call behind ``POST /api/v1/silences``; expiring
one is ``remove_silence``. The console makes one-off silences ("for 2h"); weekly
windows are written in the configuration or through the API.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from alerts.matchers import all_match, parse_matcher
from alerts.service import AlertService
from alerts.silences import SilenceSpec
from monitord.api.keys import ALERTS_KEY
from monitord.config.durations import parse_duration
from monitord.console import access, lookup
from monitord.console.forms import form_fields, validated
from monitord.console.render import render, see_other
from monitord.console.session import principal_of
from monitord.errors import RequestError

MAX_SILENCE = 90 * 86400.0
PREVIEW_NAMES = 10


def _spec(fields: dict[str, str], now: datetime) -> SilenceSpec:
    lines = [line.strip() for line in fields.get("matchers", "").splitlines() if line.strip()]
    text = fields.get("duration", "2h").strip()
    try:
        seconds = parse_duration(text)
    except ValueError:
        raise RequestError(
            f"duration: {text[:40]!r} is not a duration (2h, 90m, 1d)", field="duration", status=422
        ) from None
    if not 0 < seconds <= MAX_SILENCE:
        raise RequestError("duration: from a minute to 90 days", field="duration", status=422)
    return validated(
        SilenceSpec,
        {
            "matchers": lines,
            "ends_at": now + timedelta(seconds=seconds),
            "comment": fields.get("comment", ""),
        },
    )


def matching(service: AlertService, spec: SilenceSpec) -> list[Any]:
    """Alerts pending, firing or flapping now that the silence would mute."""
    matchers = tuple(parse_matcher(m) for m in spec.matchers)
    return sorted(
        (
            a
            for a in service.evaluator.alerts.values()
            if (a.status in ("pending", "firing") or a.flapping) and all_match(matchers, a.labels)
        ),
        key=lambda a: (a.target, a.rule),
    )


def _page(
    request: web.Request,
    *,
    form: dict[str, str],
    preview: list[Any] | None,
    error: str | None,
    status: int = 200,
) -> web.Response:
    service = lookup.service(request, ALERTS_KEY)
    now = datetime.now(UTC)
    silences = sorted(service.silences.all(), key=lambda s: (not s.active(now), s.ends_at or now))
    return render(
        request,
        "silences.html",
        {
            "title": "Silences",
            "section": "silences",
            "silences": [s.to_json(now) for s in silences],
            "can_act": principal_of(request).can(access.SILENCES),
            "form": {"matchers": "", "duration": "2h", "comment": "", **form},
            "preview": preview,
            "preview_names": PREVIEW_NAMES,
            "error": error,
        },
        status=status,
    )


async def silences_page(request: web.Request) -> web.Response:
    form = {"matchers": request.query.get("matchers", "")[:2000]}
    return _page(request, form=form, preview=None, error=None)


async def preview(request: web.Request) -> web.Response:
    access.require_role(request, access.SILENCES)
    fields = await form_fields(request)
    try:
        spec = _spec(fields, datetime.now(UTC))
    except RequestError as exc:
        return _page(request, form=fields, preview=None, error=str(exc), status=exc.status)
    return _page(
        request, form=fields, preview=matching(lookup.service(request, ALERTS_KEY), spec), error=None
    )


async def create(request: web.Request) -> web.StreamResponse:
    me = access.require_role(request, access.SILENCES)
    fields = await form_fields(request)
    try:
        spec = _spec(fields, datetime.now(UTC))
    except RequestError as exc:
        return _page(request, form=fields, preview=None, error=str(exc), status=exc.status)
    await lookup.service(request, ALERTS_KEY).add_silence(spec, me.name)
    return see_other("/console/silences")


async def expire(request: web.Request) -> web.StreamResponse:
    access.require_role(request, access.SILENCES)
    silence_id = request.match_info["id"]
    service = lookup.service(request, ALERTS_KEY)
    if silence_id.startswith("config-") and service.silences.get(silence_id) is not None:
        raise RequestError("this silence comes from the config file; remove it there", field="id", status=409)
    if await service.remove_silence(silence_id) is None:
        raise RequestError(f"silence {silence_id[:40]} does not exist", field="id", status=404)
    return see_other("/console/silences")


def setup(app: web.Application) -> None:
    app.router.add_get("/silences", silences_page)
    app.router.add_post("/silences", create)
    app.router.add_post("/silences/preview", preview)
    app.router.add_post("/silences/{id}/expire", expire)
