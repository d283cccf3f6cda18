"""Adding messages to an incident's timeline from Slack: the message shortcut "Add to incident timeline"
and a :pushpin: reaction in the incident channel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.alerts.shortcut import permalink
from bot.incidents.pins import PIN_REACTIONS, TimelinePins
from bot.slack import ids
from bot.slack.client import ReplyTarget
from handlers.answering import answering, once

if TYPE_CHECKING:
    from bot.services import Services


async def on_add_to_timeline(ack: AsyncAck, body: dict[str, Any], context: Any) -> None:
    await ack()
    services: Services = context["services"]
    channel = (body.get("channel") or {}).get("id")
    reply = ReplyTarget(user_id=body["user"]["id"], channel_id=channel, response_url=body.get("response_url"))
    async with answering(context, reply):
        await once(context)
        pins = TimelinePins(services.incidents)
        incident = await pins.incident_for(channel)
        message = dict(body.get("message") or {})
        ts = str(message.get("ts") or body.get("message_ts") or "")
        message["permalink"] = permalink((body.get("team") or {}).get("domain"), str(channel), ts)
        added = await pins.record(incident, ts=ts, message=message, actor=reply.user_id)
        key = "pin.added" if added else "pin.already"
        await services.notifier.tell(reply, services.catalog(key, number=incident.id))


async def on_reaction_added(event: dict[str, Any], context: Any) -> None:
    """:pushpin: on a message in an incident channel; other reactions and channels are ignored."""
    item = event.get("item") or {}
    if event.get("reaction") not in PIN_REACTIONS or item.get("type") != "message":
        return
    services: Services = context["services"]
    channel, ts, user = str(item.get("channel", "")), str(item.get("ts", "")), str(event.get("user", ""))
    incident = await services.incidents.by_channel(channel) if channel else None
    if incident is None:
        return
    async with answering(context, ReplyTarget(user_id=user, channel_id=channel)):
        await once(context)
        message = await services.notifier.message_at(channel, ts)
        if message is not None:
            await TimelinePins(services.incidents).record(incident, ts=ts, message=message, actor=user)


def register(app: AsyncApp) -> None:
    app.shortcut(ids.TIMELINE_ADD)(on_add_to_timeline)
    app.event("reaction_added")(on_reaction_added)
