"""Cross-cutting request work: services and the request's id in the context, log context. Nothing here
touches the database: a Slack retry is recognised after the ack (handlers/answering.py `once`)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import structlog
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.logging import get_logger

if TYPE_CHECKING:
    from bot.services import Services

log = get_logger("firebell.request")


def request_kind(body: dict[str, Any]) -> tuple[str, str | None]:
    """(type, name): ("command", "/incident"), ("block_actions", "incident.ack"), ..."""
    if "command" in body:
        return "command", body.get("command")
    kind = str(body.get("type", "unknown"))
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        return kind, actions[0].get("action_id")
    if kind in ("view_submission", "view_closed"):
        return kind, (body.get("view") or {}).get("callback_id")
    if kind == "event_callback":
        return "event", (body.get("event") or {}).get("type")
    return kind, None


def request_key(body: dict[str, Any]) -> str | None:
    """A stable id for one logical Slack request, the same on every retry of it."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}"
    trigger = body.get("trigger_id")
    if trigger:
        return f"trigger:{trigger}"
    return None


def register(app: AsyncApp, services: Services) -> None:
    @app.middleware
    async def firebell_context(
        req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        body = req.body
        kind, name = request_kind(body)
        user = (body.get("user") or {}).get("id") if isinstance(body.get("user"), dict) else body.get("user_id")
        context: AsyncBoltContext = req.context
        context["services"] = services
        context["request_started"] = time.perf_counter()
        context["request_key"] = request_key(body)
        structlog.contextvars.clear_contextvars()
        team = (body.get("team") or {}).get("id") if isinstance(body.get("team"), dict) else body.get("team_id")
        structlog.contextvars.bind_contextvars(request_type=kind, request_name=name, user=user, team=team,
                                               request_id=context["request_key"] or uuid.uuid4().hex[:12])
        return await next()
