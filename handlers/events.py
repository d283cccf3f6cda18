"""Events API: the App Home shows the open incidents."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp

from bot.incidents.render import home_view
from bot.slack.client import ReplyTarget
from handlers.answering import answering, once

if TYPE_CHECKING:
    from bot.services import Services


async def on_app_home_opened(event: dict[str, Any], context: Any) -> None:
    services: Services = context["services"]
    if event.get("tab", "home") != "home":
        return
    user = event["user"]
    async with answering(context, ReplyTarget(user_id=user)):
        await once(context)
        if services.followups is not None:  # the full Home: incidents, on call, my items, the latest report
            view = await services.followups.home.view(user)
        else:
            incidents = await services.incidents.list(include_closed=False, limit=40, viewer=user)
            view = home_view(services.catalog, services.severities, incidents)
        await services.notifier.publish_home(user, view)


def register(app: AsyncApp) -> None:
    app.event("app_home_opened")(on_app_home_opened)
