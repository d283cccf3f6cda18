"""`/oncall`: who is on call, schedules, overrides and swaps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.oncall.commands import (
    AddOverride,
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
from bot.oncall.service import shifts_text
from bot.slack.text import date_token
from handlers.answering import answer_text_command

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
            rotations = services.policy.policy.rotations
            if not rotations:
                return t("oncall.none_configured")
            lines = [t("oncall.header")]
            for name in rotations:
                current = await oncall.current(name)
                following = await oncall.next_handoff(name)
                lines.append(t(
                    "oncall.now", rotation=name,
                    user=f"<@{current.user_id}>" if current.user_id else t("oncall.nobody"),
                    next=(f"{date_token(following.starts_at)} → "
                          f"{f'<@{following.user_id}>' if following.user_id else t('oncall.nobody')}")
                    if following else t("oncall.no_handoff"),
                ))
            return "\n".join(lines)
        case Schedule(rotation=name, days=days):
            shifts = await oncall.upcoming(name, days)
            return "\n".join([t("oncall.schedule_header", rotation=name, days=days), *shifts_text(t, shifts)])
        case MyShifts():
            mine = await oncall.shifts_of(actor)
            if not mine:
                return t("oncall.mine_none")
            return "\n".join([t("oncall.mine_header")] + [
                t("oncall.mine_item", rotation=name, start=date_token(s.starts_at), end=date_token(s.ends_at))
                for name, s in mine
            ])
        case AddOverride(rotation=name, user_id=user, span=span):
            override = await oncall.add_override(name, user, span, actor)
            return t("oncall.override_done", id=override.id, user=user, rotation=name,
                     start=date_token(override.starts_at), end=date_token(override.ends_at))
        case RemoveOverride(override_id=override_id):
            await oncall.remove_override(override_id, actor)
            return t("oncall.override_removed", id=override_id)
        case ListOverrides(rotation=name):
            overrides = await oncall.list_overrides(name)
            if not overrides:
                return t("oncall.overrides_none")
            return "\n".join([t("oncall.overrides_header", rotation=name)] + [
                t("oncall.overrides_item", id=o.id, user=o.user_id, start=date_token(o.starts_at),
                  end=date_token(o.ends_at))
                for o in overrides
            ])
        case Swap(rotation=name, first=first, second=second):
            created = await oncall.swap(name, first, second, actor)
            details = "; ".join(
                t("oncall.swap_item", user=o.user_id, start=date_token(o.starts_at), end=date_token(o.ends_at),
                  id=o.id)
                for o in created
            )
            return t("oncall.swap_done", rotation=name, details=details)
    return t("usage.oncall")


def register(app: AsyncApp) -> None:
    app.command("/oncall")(oncall_command)
