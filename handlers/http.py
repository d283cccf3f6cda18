"""HTTP routes: Slack's request URL and the health check."""

from __future__ import annotations

import time

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.logging import get_logger
from storage.db import ping

log = get_logger("firebell.http")

SLACK_PATH = "/slack/events"


def build_web_app(bolt: AsyncApp, engine: AsyncEngine) -> web.Application:
    async def slack_events(request: web.Request) -> web.Response:
        started = time.perf_counter()
        bolt_response = await bolt.async_dispatch(await to_bolt_request(request))
        if bolt_response.status >= 400:
            # Bad signatures and stale timestamps end here; nothing else was touched.
            log.warning("slack_request_refused", status=bolt_response.status,
                        latency_ms=round((time.perf_counter() - started) * 1000, 1))
        return await to_aiohttp_response(bolt_response)

    async def healthz(_request: web.Request) -> web.Response:
        if await ping(engine):
            return web.json_response({"status": "ok", "db": "ok"})
        return web.json_response({"status": "degraded", "db": "unreachable"}, status=503)

    app = web.Application(client_max_size=2 * 1024 * 1024)
    app.router.add_post(SLACK_PATH, slack_events)
    app.router.add_get("/healthz", healthz)
    return app
