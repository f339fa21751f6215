"""Typed application keys shared by route modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from monitord.daemon import Daemon

DAEMON_KEY: web.AppKey[Daemon] = web.AppKey("daemon")
