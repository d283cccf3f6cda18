"""`/incident`: parse, ack at once, then run the flow with errors answered privately."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.aliases import help_text
from bot.errors import UsageError
from bot.escalation.render import status_message
from bot.incidents.commands import (
    TITLE_LIMIT,
    Assign,
    CancelReminder,
    ChangeSeverity,
    Command,
    Declare,
    Escalate,
    Help,
    ListIncidents,
    OpenDeclareForm,
    PostUpdate,
    Remind,
    Resolve,
    Show,
    Transition,
)
from bot.incidents.guide import severity_guide, type_choices
from bot.incidents.listing import PAGE_SIZE
from bot.incidents.modals import declare_modal
from bot.incidents.render import (
    declare_accepted,
    incident_list_text,
    reminder_cancelled,
    reminder_set,
    timeline_text,
)
from bot.slack.blocks import text_blocks
from bot.slack.client import ReplyTarget
from handlers.answering import (
    answering,
    bind_incident,
    database_answers,
    finish_log,
    once,
    render_error,
    reply_target,
)
from handlers.followups import run_followup

if TYPE_CHECKING:
    from bot.services import Services


async def incident_command(ack: AsyncAck, command: dict[str, Any], context: Any) -> None:
    services: Services = context["services"]
    t = services.catalog
    try:
        parsed = services.parser.parse(command.get("text", ""))
    except UsageError as error:
        await ack(response_type="ephemeral", text=render_error(t, error))
        finish_log(context, "rejected")
        return
    if isinstance(parsed, Help):
        guide = severity_guide(t, services.parser.severities)  # what each level means (the policy's words)
        await ack(response_type="ephemeral", text="\n\n".join(filter(None, [help_text(t, "usage.incident"), guide])))
        finish_log(context, "ok")
        return
    if isinstance(parsed, Declare):
        accepted = declare_accepted(t, title=parsed.title, severity=parsed.severity,
                                    clipped_to=TITLE_LIMIT if parsed.clipped else None)
        await ack(response_type="ephemeral", text=accepted)
    else:
        await ack()
    reply = reply_target(command)
    async with answering(context, reply):
        # Only what changes something needs a Slack retry recognised; a declare is recognised by the
        # request key its incident row carries (unique), so it needs no separate write.
        if isinstance(parsed, Declare):
            await database_answers(context)
        elif not isinstance(parsed, Show | ListIncidents):
            await once(context)
        await run_command(services, parsed, command, reply, context.get("request_key"))


async def run_command(
    services: Services, parsed: Command, command: dict[str, Any], reply: ReplyTarget, request_key: str | None
) -> None:
    flows, incidents, t = services.flows, services.incidents, services.catalog
    actor = command["user_id"]
    channel_id = command.get("channel_id")
    parsed = await incidents.interpret(parsed, channel_id)
    if await run_followup(services, parsed, command, reply):
        return  # post-mortems, action items, reports (handlers/followups.py)
    match parsed:
        case Declare(severity=severity, title=title):
            await flows.declare(title=title, severity=severity, actor=actor, reply=reply, request_key=request_key,
                                incident_type=parsed.incident_type)
        case OpenDeclareForm():
            metadata = json.dumps({"channel": channel_id})
            view = declare_modal(t, services.severities, initial_commander=actor, private_metadata=metadata,
                                 incident_types=type_choices(services.parser.policy.policy, t.locale))
            await services.notifier.open_view(command["trigger_id"], view)
        case Transition(action=action, number=number):
            incident = await incidents.find(number, channel_id, f"usage.{action}")
            bind_incident(incident.id)
            handler = {"ack": flows.acknowledge, "mitigate": flows.mitigate, "reopen": flows.reopen}[action]
            await handler(incident.id, actor, reply)
        case Resolve(number=number, summary=summary):
            incident = await incidents.find(number, channel_id, "usage.resolve")
            bind_incident(incident.id)
            await flows.resolve(incident.id, actor, summary, reply)
        case Escalate(number=number, reason=reason):
            incident = await incidents.find(number, channel_id, "usage.escalate")
            bind_incident(incident.id)
            await flows.escalate(incident.id, actor, reason, reply, request_key)
        case Remind(when=when, text=text):
            incident = await incidents.find(None, channel_id, "usage.remind")
            bind_incident(incident.id)
            job = await services.reminders.remind(incident, when, text, actor)
            await services.notifier.tell(reply, reminder_set(t, job))
        case CancelReminder(reminder_id=reminder_id):
            incident = await incidents.find(None, channel_id, "usage.remind")
            bind_incident(incident.id)
            await services.reminders.cancel(reminder_id, incident)
            await services.notifier.tell(reply, reminder_cancelled(t, reminder_id))
        case PostUpdate(number=number, text=text):
            incident = await incidents.find(number, channel_id, "usage.update")
            bind_incident(incident.id)
            await flows.post_status(incident.id, actor, text, reply)
        case ChangeSeverity(number=number, severity=severity):
            incident = await incidents.find(number, channel_id, "usage.severity")
            bind_incident(incident.id)
            await flows.change_severity(incident.id, actor, severity, reply)
        case Assign(number=number, user_id=user_id, role=role):
            incident = await incidents.find(number, channel_id, "usage.assign")
            bind_incident(incident.id)
            await flows.assign(incident.id, actor, user_id, role, reply)
        case Show(what="status", number=number):
            incident = await incidents.find(number, channel_id, "usage.status")
            bind_incident(incident.id)
            text, blocks = status_message(t, services.severities, await incidents.status(incident.id))
            await services.notifier.tell(reply, text, blocks)
        case Show(what=_, number=number):
            incident = await incidents.find(number, channel_id, "usage.timeline")
            bind_incident(incident.id)
            text = timeline_text(t, incident.id, await incidents.timeline(incident.id))
            await services.notifier.tell(reply, text[:3000], text_blocks(text))
        case ListIncidents(include_closed=include_closed, filters=filters):
            found = await incidents.list(include_closed=include_closed, viewer=actor, filters=filters,
                                         limit=PAGE_SIZE + 1)  # one more: is there a next page?
            text = incident_list_text(t, services.severities, found[:PAGE_SIZE], include_closed=include_closed)
            if len(found) > PAGE_SIZE:
                text += "\n" + t("list.next_page", page=filters.page + 1)
            await services.notifier.tell(reply, text[:3000], text_blocks(text))
        case Help():
            await services.notifier.tell(reply, t("usage.incident"))


def register(app: AsyncApp) -> None:
    app.command("/incident")(incident_command)
