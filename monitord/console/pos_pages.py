"""POS: a board of stores with their tills' states and opening hours, and a store's page.

Read from the POS service's register, shaped by the same functions as the API's
``/api/v1/pos/stores`` answers, so the board and the API never disagree.
"""

from __future__ import annotations

from aiohttp import web

from monitord.api.keys import POS_KEY
from monitord.api.pos_routes import store_json, terminal_json
from monitord.console import lookup
from monitord.console.render import render
from monitord.errors import NotFoundError

ORDER = {"down": 0, "pending": 1, "open": 2, "closed": 3}  # StoreState, problems first


async def board(request: web.Request) -> web.Response:
    service = lookup.optional(request, POS_KEY)
    stores = []
    if service is not None:
        now = service.clock.now()
        stores = sorted(
            (store_json(s, now) for s in service.register.stores.values()),
            key=lambda s: (ORDER.get(s["state"], 9), s["store"]),
        )
    return render(
        request,
        "pos.html",
        {"title": "POS", "section": "pos", "stores": stores, "pos_on": service is not None},
    )


async def store_page(request: web.Request) -> web.Response:
    service = lookup.service(request, POS_KEY)
    name = request.match_info["store"]
    store = service.register.stores.get(name)
    if store is None:
        raise NotFoundError(f"no store named {name!r}", field="store")
    now = service.clock.now()
    terminals = sorted(
        (terminal_json(t, now, service.ipam_address(t)) for t in store.terminals.values()),
        key=lambda t: (t["state"] != "down", t["terminal"]),
    )
    return render(
        request,
        "store.html",
        {"title": name, "section": "pos", "store": store_json(store, now), "terminals": terminals},
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/pos", board)
    app.router.add_get("/pos/stores/{store}", store_page)
