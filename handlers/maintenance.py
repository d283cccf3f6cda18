"""`/maintenance`: schedule, list and cancel maintenance windows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.errors import UsageError
from bot.maintenance.commands import (
    MaintenanceCancel,
    MaintenanceCommand,
    MaintenanceHelp,
    MaintenanceList,
    MaintenanceSchedule,
    parse_maintenance,
    split_services,
)
from bot.slack.blocks import format_duration
from bot.slack.text import clip, date_token, escape
from handlers.answering import answer_text_command

if TYPE_CHECKING:
    from bot.services import Services


async def maintenance_command(ack: AsyncAck, command: dict[str, Any], context: Any) -> None:
    await answer_text_command(ack, command, context, parse=parse_maintenance, help_type=MaintenanceHelp,
                              usage_key="usage.maintenance", run=run_maintenance)


async def run_maintenance(services: Services, parsed: MaintenanceCommand, command: dict[str, Any]) -> str:
    maintenance, t = services.maintenance, services.catalog
    actor = command["user_id"]
    match parsed:
        case MaintenanceSchedule(tokens=tokens):
            start, rest = maintenance.parse_start(tokens)
            if len(rest) < 2:
                raise UsageError("error.maintenance_incomplete", "usage.maintenance_schedule")
            title, window_services = split_services(rest[1:])
            if not title:
                raise UsageError("error.missing_title_maintenance", "usage.maintenance_schedule")
            window = await maintenance.schedule(start=start, duration_text=rest[0], title=clip(title, 150),
                                                services=window_services, actor=actor)
            assert window is not None
            return t("maintenance.scheduled", id=window.id, title=escape(window.title),
                     start=date_token(window.starts_at), end=date_token(window.ends_at),
                     duration=format_duration(t, window.ends_at - window.starts_at),
                     services=", ".join(escape(s) for s in window.services) or t("maintenance.all_services"))
        case MaintenanceCancel(window_id=window_id):
            await maintenance.cancel(window_id, actor)
            return t("maintenance.done_cancel", id=window_id)
        case MaintenanceList():
            windows = await maintenance.upcoming()
            if not windows:
                return t("maintenance.list_none")
            lines = [t("maintenance.list_header")]
            for window in windows:
                lines.append(t(
                    "maintenance.list_line", id=window.id, title=escape(window.title),
                    start=date_token(window.starts_at), end=date_token(window.ends_at),
                    services=", ".join(escape(s) for s in window.services) or t("maintenance.all_services"),
                    active=t("maintenance.active_note") if maintenance.is_active(window) else "",
                ))
            return "\n".join(lines)
    return t("usage.maintenance")


def register(app: AsyncApp) -> None:
    app.command("/maintenance")(maintenance_command)
