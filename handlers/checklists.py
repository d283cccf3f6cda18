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
from bot.checklists.render import checklist_item_label, checklist_na_modal
from bot.checklists.service import DONE, NA, OPEN
from bot.errors import FirebellError, UsageError
from bot.slack import ids
from bot.slack.client import ReplyTarget
from bot.slack.text import date_token, escape
from handlers.actions import reply_target as action_reply
from handlers.answering import answer_text_command, answering, finish_log

if TYPE_CHECKING:
    from bot.services import Services


async def checklist_command(ack: AsyncAck, command: dict[str, Any], context: Any) -> None:
    await answer_text_command(ack, command, context, parse=parse_checklist, help_type=ChecklistHelp,
                              usage_key="usage.checklist", run=run_checklist)


async def run_checklist(services: Services, parsed: ChecklistCommand, command: dict[str, Any]) -> str:
    checklists, t = services.checklists, services.catalog
    match parsed:
        case ChecklistStart(name=name):
            template = checklists.template(name)
            channel = checklists.channel_for(template) or command.get("channel_id")
            due = services.clock.now() + template.schedule.due_after if template.schedule else None
            view = await checklists.start(name, actor=command["user_id"], channel_id=channel, due_at=due)
            assert view is not None
            return t("checklist.started", title=escape(view.run.title), id=view.run.id,
                     channel=f" <#{channel}>" if channel else "")
        case ChecklistStatus(name=name):
            if name is not None:
                checklists.template(name)
            runs = await checklists.open_runs(name)
            if not runs:
                return t("checklist.status_none")
            lines = [t("checklist.status_header")]
            for view in runs:
                lines.append(t("checklist.run_line", id=view.run.id, title=escape(view.run.title), done=view.finished,
                               total=len(view.states), state=t("checklist.state.open")))
                missing = [checklist_item_label(view.run.items[i], i) for i in view.missing()]
                if missing:
                    lines.append(t("checklist.missing", items="; ".join(missing)))
            return "\n".join(lines)
        case ChecklistHistory(name=name, count=count):
            lines = [t("checklist.history_header", name=escape(name))]
            for view, events in await checklists.history(name, count):
                outcome = (t("checklist.outcome_completed", when=date_token(view.run.completed_at),
                             user=view.run.completed_by or "?")
                           if view.run.completed_at else t("checklist.state.open"))
                lines.append(t("checklist.history_line", id=view.run.id, start=date_token(view.run.started_at),
                               done=view.finished, total=len(view.states), outcome=outcome))
                who = [f"{e.item_index + 1}: <@{e.by}> {e.action}" for e in events
                       if e.item_index is not None and e.by]
                if who:
                    lines.append(t("checklist.history_who", who=", ".join(who)))
            return "\n".join(lines)
    # The overview: templates and today's runs.
    templates = services.policy.policy.checklists
    if not templates:
        return t("checklist.none_configured")
    lines = [t("checklist.templates_header")]
    for name, template in templates.items():
        schedule = ""
        if template.schedule:
            zone = template.schedule.timezone or services.policy.policy.timezone
            schedule = t("checklist.schedule_note", cron=template.schedule.cron, zone=zone,
                         channel=f"<#{channel}>" if (channel := checklists.channel_for(template))
                         else t("checklist.no_channel"))
        lines.append(t("checklist.template_line", name=name, title=escape(template.title),
                       count=len(template.items), schedule=schedule))
    lines.append(t("checklist.today_header"))
    zone = services.policy.policy.zone
    local_midnight = services.clock.now().astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    today = await checklists.runs_since(local_midnight)
    if not today:
        lines.append(t("checklist.none_today"))
    for view in today:
        lines.append(t("checklist.run_line", id=view.run.id, title=escape(view.run.title), done=view.finished,
                       total=len(view.states), state=t(f"checklist.state.{view.run.state}")))
    return "\n".join(lines)


def toggled_items(body: dict[str, Any]) -> dict[int, str]:
    """Which items this person changed: their selection against the message they clicked on.

    Diffing against the message they saw (not the database) is what keeps two people checking
    different items at the same moment from unchecking each other's item.
    """
    action = body["actions"][0]
    selected = {int(o["value"]) for o in action.get("selected_options") or []}
    seen: set[int] = set()
    for block in (body.get("message") or {}).get("blocks") or []:
        if block.get("block_id") != action.get("block_id"):
            continue
        for element in block.get("elements") or []:
            if element.get("action_id") == ids.CHECKLIST_TOGGLE:
                seen = {int(o["value"]) for o in element.get("initial_options") or []}
    changes = {index: DONE for index in selected - seen}
    changes.update({index: OPEN for index in seen - selected})
    return changes


def run_id_of(block_id: str) -> int:
    match = re.match(rf"^{re.escape(ids.CHECKLIST_BLOCK)}:(\d+)", block_id or "")
    if not match:
        raise UsageError("error.bad_number_generic", "usage.checklist", value=escape(block_id[:40]))
    return int(match.group(1))


async def on_checkbox(ack: AsyncAck, body: dict[str, Any], context: Any) -> None:
    await ack()
    services: Services = context["services"]
    reply = action_reply(body)
    async with answering(context, reply):
        run_id = run_id_of(body["actions"][0].get("block_id", ""))
        for index, state in sorted(toggled_items(body).items()):
            await services.checklists.set_item(run_id, index, state, reply.user_id)


async def on_item_button(ack: AsyncAck, body: dict[str, Any], context: Any) -> None:
    await ack()
    services: Services = context["services"]
    reply = action_reply(body)
    async with answering(context, reply):
        value = str(body["actions"][0].get("value", ""))
        match = re.match(r"^(\d+):(\d+):(open|done)$", value)
        if not match:
            raise UsageError("error.bad_number_generic", "usage.checklist", value=escape(value[:40]))
        await services.checklists.set_item(int(match.group(1)), int(match.group(2)), match.group(3), reply.user_id)


async def on_mark_na(ack: AsyncAck, body: dict[str, Any], context: Any) -> None:
    await ack()
    services: Services = context["services"]
    reply = action_reply(body)
    async with answering(context, reply):
        value = str(body["actions"][0].get("value", ""))
        if not value.isdigit():
            raise UsageError("error.bad_number_generic", "usage.checklist", value=escape(value[:40]))
        view = await services.checklists.view(int(value))
        if view.run.state != "open":
            raise FirebellError("error.run_closed", title=escape(view.run.title), id=view.run.id)
        await services.notifier.open_view(body["trigger_id"], checklist_na_modal(services.catalog, view))


async def on_na_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: Any) -> None:
    services: Services = context["services"]
    values = (view.get("state") or {}).get("values") or {}
    reason = ((values.get(ids.CHECKLIST_NA_REASON_BLOCK) or {}).get(ids.CHECKLIST_NA_REASON_ACTION) or {}).get("value")
    item = (((values.get(ids.CHECKLIST_NA_ITEM_BLOCK) or {}).get(ids.CHECKLIST_NA_ITEM_ACTION) or {})
            .get("selected_option") or {}).get("value")
    if not (reason or "").strip():
        await ack(response_action="errors",
                  errors={ids.CHECKLIST_NA_REASON_BLOCK: services.catalog("checklist.na_reason")})
        finish_log(context, "rejected")
        return
    await ack()
    async with answering(context, ReplyTarget(user_id=body["user"]["id"])):
        run_id = int(view.get("private_metadata") or 0)
        await services.checklists.set_item(run_id, int(item or -1), NA, body["user"]["id"],
                                           reason=(reason or "").strip()[:300])


def register(app: AsyncApp) -> None:
    app.command("/checklist")(checklist_command)
    app.action(ids.CHECKLIST_TOGGLE)(on_checkbox)
    app.action(re.compile(rf"^{re.escape(ids.CHECKLIST_ITEM)}:\d+$"))(on_item_button)
    app.action(ids.CHECKLIST_NA)(on_mark_na)
    app.view(ids.CHECKLIST_NA_VIEW)(on_na_submitted)

