"""The App Home's buttons: declare an incident (the declare form), open the 30-day report (a modal)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.models.views import PlainTextObject, View

from bot.home.render import DECLARE, FULL_REPORT
from bot.incidents.modals import declare_modal
from bot.reports.commands import ReportCommand
from bot.slack.blocks import text_blocks
from bot.slack.client import ReplyTarget
from handlers.answering import answering

if TYPE_CHECKING:
    from bot.services import Services


async def on_declare(ack: AsyncAck, body: dict[str, Any], context: Any) -> None:
    await ack()
    services: Services = context["services"]
    user = body["user"]["id"]
    async with answering(context, ReplyTarget(user_id=user)):
        view = declare_modal(services.catalog, services.severities, initial_commander=user,
                             private_metadata=json.dumps({"channel": None}))
        await services.notifier.open_view(body["trigger_id"], view)


async def on_full_report(ack: AsyncAck, body: dict[str, Any], context: Any) -> None:
    await ack()
    services: Services = context["services"]
    user = body["user"]["id"]
    async with answering(context, ReplyTarget(user_id=user)):
        if services.followups is None:
            return
        text, _key = await services.followups.reports.on_request(ReportCommand(days=30), None)
        view = View(type="modal", title=PlainTextObject(text=services.catalog.plain("home.full_report")[:24]),
                    blocks=text_blocks(text)[:100]).to_dict()
        await services.notifier.open_view(body["trigger_id"], view)


def register(app: AsyncApp) -> None:
    app.action(DECLARE)(on_declare)
    app.action(FULL_REPORT)(on_full_report)
