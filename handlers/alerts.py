"""HTTP routes for monitoring alerts: POST /alerts/{source}. Read the body (at most 1 MB), hand it to the
alerts service, answer 202 once it is stored, or a JSON 4xx that names the problem."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from aiohttp import web

from bot.alerts.intake import MAX_BODY, AlertRefused
from bot.logging import get_logger

if TYPE_CHECKING:
    from bot.alerts.service import AlertService

log = get_logger("firebell.alerts")

ALERTS_PATH = "/alerts/{source}"
_CHUNK = 64 * 1024


def offered_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query.get("token") or None


async def read_limited(request: web.Request) -> bytes:
    """The body, refusing at once what is announced or turns out to be over the limit."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise AlertRefused(413, f"body is larger than {MAX_BODY} bytes")
    body = bytearray()
    while chunk := await request.content.read(_CHUNK):
        body += chunk
        if len(body) > MAX_BODY:
            raise AlertRefused(413, f"body is larger than {MAX_BODY} bytes")
    return bytes(body)


def alert_routes(alerts: AlertService) -> list[web.RouteDef]:
    async def receive(request: web.Request) -> web.Response:
        started = time.perf_counter()
        source = request.match_info["source"]
        try:
            raw = await read_limited(request)
            intake_id, checked = await alerts.accept(source, raw, request.content_type, offered_token(request))
        except AlertRefused as refused:
            log.warning("alert_refused", source=source[:32], status=refused.status, reason=refused.reason,
                        latency_ms=round((time.perf_counter() - started) * 1000, 1))
            headers = {"Retry-After": str(refused.retry_after)} if refused.retry_after else None
            return web.json_response({"status": "error", "error": refused.reason}, status=refused.status,
                                     headers=headers)
        answer: dict[str, object] = {"status": "accepted", "id": intake_id, "alerts": checked.alert_count}
        if checked.dedup_key is not None:
            # PagerDuty's own answer carries the dedup_key; senders that chain events rely on it.
            answer |= {"message": "Event processed", "dedup_key": checked.dedup_key}
        log.info("alert_accepted", source=source, id=intake_id, alerts=checked.alert_count,
                 latency_ms=round((time.perf_counter() - started) * 1000, 1))
        return web.json_response(answer, status=202)

    return [web.post(ALERTS_PATH, receive)]
