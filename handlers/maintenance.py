"""`/maintenance`: schedule, list and cancel maintenance windows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.maintenance.commands import (
    MaintenanceCancel,
    MaintenanceCommand,
    MaintenanceHelp,
    MaintenanceList,
    MaintenanceSchedule,
    parse_maintenance,
)
from bot.maintenance.render import window_list_text, window_text
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
        case MaintenanceSchedule():
            window = await maintenance.schedule(parsed, actor)
            return window_text(t, "maintenance.scheduled", window)
        case MaintenanceCancel(window_id=window_id):
            await maintenance.cancel(window_id, actor)
            return t("maintenance.done_cancel", id=window_id)
        case MaintenanceList():
            windows = await maintenance.upcoming()
            notes = await maintenance.notes_for([window.id for window in windows])
            return window_list_text(t, windows, maintenance.is_active, notes)
    return t("usage.maintenance")


def register(app: AsyncApp) -> None:
    app.command("/maintenance")(maintenance_command)
