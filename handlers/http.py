"""HTTP routes: Slack's request URL and the health check."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.logging import get_logger
from bot.metrics import CONTENT_TYPE, observe_ack
from handlers.guard import Refused, check_shape, check_signature, parse_body
from handlers.middleware import request_kind

log = get_logger("firebell.http")

SLACK_PATH = "/slack/events"


def build_web_app(bolt: AsyncApp, signing_secret: str, database_ok: Callable[[], Awaitable[bool]], *,
                  metrics: Callable[[], Awaitable[bytes]] | None = None,
                  health: Callable[[], dict[str, Any]] | None = None,
                  accepting: Callable[[], bool] | None = None) -> web.Application:
    secret = signing_secret.encode()

    async def slack_events(request: web.Request) -> web.Response:
        started = time.perf_counter()
        if accepting is not None and not accepting():
            # Shutting down: Slack retries elsewhere (another replica behind the proxy) or later.
            return web.json_response({"ok": False, "error": "shutting_down"}, status=503)
        body = await request.read()
        try:
            check_signature(secret, body, request.headers, time.time())
            parsed = parse_body(body, request.content_type)
            check_shape(parsed)
        except Refused as refused:
            # Nothing else was touched: no listener ran, nothing was written.
            log.warning("slack_request_refused", status=refused.status, reason=refused.reason,
                        latency_ms=round((time.perf_counter() - started) * 1000, 1))
            return web.json_response({"ok": False, "error": refused.reason}, status=refused.status)
        bolt_request = AsyncBoltRequest(body=body.decode("utf-8"), query=request.query_string,
                                        headers=request.headers)  # type: ignore[arg-type]
        bolt_response = await bolt.async_dispatch(bolt_request)
        observe_ack(request_kind(parsed)[0], time.perf_counter() - started)
        if bolt_response.status >= 400:
            log.warning("slack_request_refused", status=bolt_response.status,
                        latency_ms=round((time.perf_counter() - started) * 1000, 1))
        return await to_aiohttp_response(bolt_response)

    async def healthz(_request: web.Request) -> web.Response:
        extra = health() if health is not None else {}
        if extra.get("shutting_down"):
            # The proxy stops sending here; the process is finishing its work.
            return web.json_response({"status": "stopping", **extra}, status=503)
        if await database_ok():
            return web.json_response({"status": "ok", "db": "ok", **extra})
        return web.json_response({"status": "degraded", "db": "unreachable", **extra}, status=503)

    async def metrics_page(_request: web.Request) -> web.Response:
        assert metrics is not None
        return web.Response(body=await metrics(), headers={"Content-Type": CONTENT_TYPE})

    app = web.Application(client_max_size=2 * 1024 * 1024)
    app.router.add_post(SLACK_PATH, slack_events)
    app.router.add_get("/healthz", healthz)
    if metrics is not None:
        app.router.add_get("/metrics", metrics_page)
    return app
