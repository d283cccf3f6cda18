"""Direct messages to the bot: a short help answer instead of silence."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp

from bot.slack.client import ReplyTarget
from handlers.answering import answering, once

if TYPE_CHECKING:
    from bot.services import Services


def _from_a_person(event: dict[str, Any]) -> bool:
    """A person's own new message in a DM (not the bot's, not an edit or a join)."""
    return (event.get("channel_type") == "im" and not event.get("bot_id") and not event.get("subtype")
            and bool(event.get("user")))


async def on_message(event: dict[str, Any], context: Any) -> None:
    services: Services = context["services"]
    if not _from_a_person(event) or event.get("user") == context.get("bot_user_id"):
        return
    user = str(event["user"])
    async with answering(context, ReplyTarget(user_id=user)):
        await once(context)
        await services.notifier.tell(ReplyTarget(user_id=user), services.catalog("dm.help"))


def register(app: AsyncApp) -> None:
    app.event("message")(on_message)
