"""`/checklist`, checklist checkboxes and buttons, and the not-applicable modal."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.checklists.commands import (
    ChecklistCommand,
    ChecklistHelp,
    ChecklistHistory,
    ChecklistStart,
    ChecklistStatus,
    parse_checklist,
)
from bot.checklists.render import checklist_na_modal, history_text, overview_text, started_text, status_text
from bot.checklists.service import DONE, NA, OPEN
from bot.errors import UsageError
from bot.slack import ids
from bot.slack.client import ReplyTarget
from bot.slack.text import escape
from handlers.actions import record_number
from handlers.actions import reply_target as action_reply
from handlers.answering import answer_text_command, answering, finish_log, once
from handlers.views import refuse_form

if TYPE_CHECKING:
    from bot.services import Services


async def checklist_command(ack: AsyncAck, command: dict[str, Any], context: Any) -> None:
    await answer_text_command(ack, command, context, parse=parse_checklist, help_type=ChecklistHelp,
                              usage_key="usage.checklist", run=run_checklist)


async def run_checklist(services: Services, parsed: ChecklistCommand, command: dict[str, Any]) -> str:
    checklists, t = services.checklists, services.catalog
    match parsed:
        case ChecklistStart(name=name):
            view = await checklists.start_now(name, actor=command["user_id"],
                                              command_channel=command.get("channel_id"))
            return started_text(t, view)
        case ChecklistStatus(name=name):
            return status_text(t, await checklists.open_runs(name))
        case ChecklistHistory(name=name, count=count):
            return history_text(t, name, await checklists.history(name, count))
    return overview_text(t, await checklists.overview())


def toggled_items(body: dict[str, Any]) -> dict[int, str]:
    """Which items this person changed: their selection against the message they clicked on.

    Diffing against the message they saw (not the database) is what keeps two people checking
    different items at the same moment from unchecking each other's item.
    """
    action = body["actions"][0]
    selected = _item_indexes(action.get("selected_options"))
    seen: set[int] = set()
    for block in (body.get("message") or {}).get("blocks") or []:
        if block.get("block_id") != action.get("block_id"):
            continue
        for element in block.get("elements") or []:
            if element.get("action_id") == ids.CHECKLIST_TOGGLE:
                seen = _item_indexes(element.get("initial_options"))
    changes = {index: DONE for index in selected - seen}
    changes |= {index: OPEN for index in seen - selected}
    return changes


def _item_indexes(options: Any) -> set[int]:
    """Item numbers from checkbox options; anything Firebell did not write is refused, not a crash."""
    indexes = set()
    for option in options or []:
        value = option.get("value") if isinstance(option, dict) else None
        number = record_number(value)
        if number is None:
            raise UsageError("error.bad_number_generic", "usage.checklist", value=str(value)[:40])
        indexes.add(number)
    return indexes


def run_id_of(block_id: str) -> int:
    match = re.match(rf"^{re.escape(ids.CHECKLIST_BLOCK)}:(\d{{1,9}})$", block_id or "")
    if not match:
        raise UsageError("error.bad_number_generic", "usage.checklist", value=escape(block_id[:40]))
    return int(match.group(1))


async def on_checkbox(ack: AsyncAck, body: dict[str, Any], context: Any) -> None:
    await ack()
    services: Services = context["services"]
    reply = action_reply(body)
    async with answering(context, reply):
        await once(context)
        run_id = run_id_of(body["actions"][0].get("block_id", ""))
        for index, state in sorted(toggled_items(body).items()):
            await services.checklists.set_item(run_id, index, state, reply.user_id)


async def on_item_button(ack: AsyncAck, body: dict[str, Any], context: Any) -> None:
    await ack()
    services: Services = context["services"]
    reply = action_reply(body)
    async with answering(context, reply):
        await once(context)
        value = str(body["actions"][0].get("value", ""))
        match = re.match(r"^(\d{1,9}):(\d{1,9}):(open|done)$", value)
        if not match:
            raise UsageError("error.bad_number_generic", "usage.checklist", value=escape(value[:40]))
        await services.checklists.set_item(int(match.group(1)), int(match.group(2)), match.group(3), reply.user_id)


async def on_mark_na(ack: AsyncAck, body: dict[str, Any], context: Any) -> None:
    await ack()
    services: Services = context["services"]
    reply = action_reply(body)
    async with answering(context, reply):
        await once(context)
        value = str(body["actions"][0].get("value", ""))
        run_id = record_number(value)
        if run_id is None:
            raise UsageError("error.bad_number_generic", "usage.checklist", value=escape(value[:40]))
        view = await services.checklists.open_view(run_id)
        await services.notifier.open_view(body["trigger_id"], checklist_na_modal(services.catalog, view))


async def on_na_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: Any) -> None:
    services: Services = context["services"]
    values = (view.get("state") or {}).get("values") or {}
    reason = ((values.get(ids.CHECKLIST_NA_REASON_BLOCK) or {}).get(ids.CHECKLIST_NA_REASON_ACTION) or {}).get("value")
    item = (((values.get(ids.CHECKLIST_NA_ITEM_BLOCK) or {}).get(ids.CHECKLIST_NA_ITEM_ACTION) or {})
            .get("selected_option") or {}).get("value")
    run_id, index = record_number(view.get("private_metadata")), record_number(item)
    if run_id is None:
        await refuse_form(ack, context, ids.CHECKLIST_NA_REASON_BLOCK)
        return
    if index is None:
        await ack(response_action="errors",
                  errors={ids.CHECKLIST_NA_ITEM_BLOCK: services.catalog("checklist.na_item")})
        finish_log(context, "rejected")
        return
    if not (reason or "").strip():
        await ack(response_action="errors",
                  errors={ids.CHECKLIST_NA_REASON_BLOCK: services.catalog("checklist.na_reason")})
        finish_log(context, "rejected")
        return
    await ack()
    async with answering(context, ReplyTarget(user_id=body["user"]["id"])):
        await once(context)
        await services.checklists.set_item(run_id, index, NA, body["user"]["id"], reason=(reason or "").strip()[:300])


def register(app: AsyncApp) -> None:
    app.command("/checklist")(checklist_command)
    app.action(ids.CHECKLIST_TOGGLE)(on_checkbox)
    app.action(re.compile(rf"^{re.escape(ids.CHECKLIST_ITEM)}:\d+$"))(on_item_button)
    app.action(ids.CHECKLIST_NA)(on_mark_na)
    app.view(ids.CHECKLIST_NA_VIEW)(on_na_submitted)

