"""The message shortcut "Declare incident": opens the declare form prefilled with the message."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.alerts.shortcut import CALLBACK_ID, permalink, prefilled_declare_modal
from bot.slack.client import ReplyTarget
from handlers.answering import answering

if TYPE_CHECKING:
    from bot.services import Services


async def on_declare_from_message(ack: AsyncAck, body: dict[str, Any], context: Any) -> None:
    await ack()
    services: Services = context["services"]
    channel = (body.get("channel") or {}).get("id")
    reply = ReplyTarget(user_id=body["user"]["id"], channel_id=channel, response_url=body.get("response_url"))
    async with answering(context, reply):
        message = body.get("message") or {}
        ts = str(message.get("ts") or body.get("message_ts") or "")
        link = permalink((body.get("team") or {}).get("domain"), channel, ts) if channel else None
        view = prefilled_declare_modal(services.catalog, services.severities, actor=reply.user_id,
                                       message_text=str(message.get("text") or ""), link=link,
                                       private_metadata=json.dumps({"channel": channel}))
        await services.notifier.open_view(body["trigger_id"], view)


def register(app: AsyncApp) -> None:
    app.shortcut(CALLBACK_ID)(on_declare_from_message)
