"""Buttons on incident messages."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.errors import FirebellError
from bot.incidents.modals import update_modal
from bot.slack import ids
from bot.slack.client import ReplyTarget
from bot.slack.text import clip
from handlers.answering import answering, bind_incident, once

if TYPE_CHECKING:
    from bot.services import Services


def reply_target(body: dict[str, Any]) -> ReplyTarget:
    return ReplyTarget(
        user_id=body["user"]["id"],
        channel_id=(body.get("channel") or {}).get("id"),
        response_url=body.get("response_url"),
    )


# Record numbers as Firebell writes them into buttons and forms: they fit the database's integer columns.
_RECORD_NUMBER = re.compile(r"[0-9]{1,9}")


def record_number(value: Any) -> int | None:
    """A record number from a button value or a form's metadata (digits or a JSON integer, at most 9
    digits); None for anything else, which Firebell did not write."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _RECORD_NUMBER.fullmatch(value):
        return None
    return int(value)


def incident_number(body: dict[str, Any]) -> int:
    value = str((body.get("actions") or [{}])[0].get("value", ""))
    number = record_number(value)
    if number is None:
        # Nobody typed a button's value: a short answer, without the command's usage.
        raise FirebellError("error.bad_number", value=clip(value, 20))
    return number


async def on_button(ack: AsyncAck, body: dict[str, Any], context: Any) -> None:
    await ack()
    services: Services = context["services"]
    reply = reply_target(body)
    actor = reply.user_id
    action_id = body["actions"][0]["action_id"]
    async with answering(context, reply):
        await once(context)
        number = incident_number(body)
        bind_incident(number)
        flows = services.flows
        if action_id == ids.ACK:
            await flows.acknowledge(number, actor, reply)
        elif action_id == ids.RESOLVE:
            await flows.resolve(number, actor, None, reply)
        elif action_id == ids.REOPEN:
            await flows.reopen(number, actor, reply)
        elif action_id == ids.ESCALATE:
            await flows.escalate(number, actor, None, reply, context.get("request_key"))
        elif action_id == ids.UPDATE:
            await services.incidents.get(number)
            metadata = json.dumps({"incident": number, "channel": reply.channel_id})
            view = update_modal(services.catalog, number=number, private_metadata=metadata)
            await services.notifier.open_view(body["trigger_id"], view)


async def on_link_button(ack: AsyncAck) -> None:
    """Link buttons (Open channel) open in Slack by themselves; Slack still expects an ack."""
    await ack()


def register(app: AsyncApp) -> None:
    buttons = (ids.ACK, ids.UPDATE, ids.RESOLVE, ids.REOPEN, ids.ESCALATE)
    pattern = re.compile("^(" + "|".join(re.escape(a) for a in buttons) + ")$")
    app.action(pattern)(on_button)
    app.action(ids.OPEN_CHANNEL)(on_link_button)
