"""`/oncall`: who is on call, schedules, overrides and swaps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.oncall.commands import (
    AddOverride,
    CoverRequest,
    ListOverrides,
    MyShifts,
    OnCallCommand,
    OnCallHelp,
    RemoveOverride,
    Schedule,
    Swap,
    WhoIsOn,
    parse_oncall,
)
from bot.oncall.render import (
    my_shifts_text,
    override_added_text,
    overrides_text,
    schedule_text,
    swap_text,
    who_is_on_text,
)
from bot.slack import ids
from bot.slack.client import ReplyTarget
from handlers.answering import answer_text_command, answering, once

if TYPE_CHECKING:
    from bot.services import Services


async def oncall_command(ack: AsyncAck, command: dict[str, Any], context: Any) -> None:
    await answer_text_command(ack, command, context, parse=parse_oncall, help_type=OnCallHelp,
                              usage_key="usage.oncall", run=run_oncall)


async def run_oncall(services: Services, parsed: OnCallCommand, command: dict[str, Any]) -> str:
    oncall, t = services.oncall, services.catalog
    actor = command["user_id"]
    match parsed:
        case WhoIsOn():
            return who_is_on_text(t, await oncall.who_is_on())
        case Schedule(rotation=name, days=days):
            return schedule_text(t, name, days, await oncall.upcoming(name, days))
        case MyShifts():
            return my_shifts_text(t, await oncall.shifts_of(actor))
        case AddOverride(rotation=name, user_id=user, span=span):
            return override_added_text(t, await oncall.add_override(name, user, span, actor))
        case RemoveOverride(override_id=override_id):
            await oncall.remove_override(override_id, actor)
            return t("oncall.override_removed", id=override_id)
        case ListOverrides(rotation=name):
            return overrides_text(t, name, await oncall.list_overrides(name))
        case Swap(rotation=name, first=first, second=second):
            return swap_text(t, name, await oncall.swap(name, first, second, actor))
        case CoverRequest():
            return await oncall.cover.ask(parsed, actor, command.get("channel_id"))
    return t("usage.oncall")


async def on_cover_take(ack: AsyncAck, body: dict[str, Any], context: Any) -> None:
    """"I'll take it": the first member of the rotation to press it gets the override."""
    services: Services = context["services"]
    await ack()
    user = body["user"]["id"]
    async with answering(context, ReplyTarget(user_id=user, response_url=body.get("response_url"))):
        await once(context)
        channel = (body.get("channel") or {}).get("id")
        text = await services.oncall.cover.take(str(body["actions"][0].get("value", "")), user, channel)
        await services.notifier.tell(ReplyTarget(user_id=user, response_url=body.get("response_url")), text)


def register(app: AsyncApp) -> None:
    app.command("/oncall")(oncall_command)
    app.action(ids.ONCALL_COVER_TAKE)(on_cover_take)
