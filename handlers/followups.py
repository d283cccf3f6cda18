"""`/incident postmortem | action | actions | report`: run after the ack by handlers/commands.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.postmortems.commands import AddAction, CloseAction, ListActions, PostmortemCommand
from bot.postmortems.render import actions_text
from bot.reports.commands import ReportCommand
from bot.slack.blocks import text_blocks
from bot.slack.client import ReplyTarget
from bot.slack.text import channel_link, date_token, escape
from handlers.answering import bind_incident

if TYPE_CHECKING:
    from bot.services import Services

FOLLOWUP_TYPES = (PostmortemCommand, AddAction, CloseAction, ListActions, ReportCommand)


async def run_followup(services: Services, parsed: Any, command: dict[str, Any], reply: ReplyTarget) -> bool:
    """Carry out one of issue 12's subcommands; False when `parsed` is not one of them."""
    if not isinstance(parsed, FOLLOWUP_TYPES) or services.followups is None:
        return False
    followups, t = services.followups, services.catalog
    actor, channel_id = command["user_id"], command.get("channel_id")
    match parsed:
        case PostmortemCommand(what=what, number=number, link=link):
            incident = await services.incidents.find(number, channel_id, "usage.postmortem")
            bind_incident(incident.id)
            if what == "regenerate":
                incident, revision, key = await followups.postmortems.regenerate(incident.id, actor)
                outcome = (await services.outbox.deliver_now([key]))[key]
                where = channel_link(incident.channel_id) if incident.channel_id else "Slack"
                text = t("postmortem.regenerating", number=incident.id, revision=revision, channel=where)
                if outcome.state == "failed":
                    text = t("postmortem.upload_failed", number=incident.id, code=outcome.error or "")
                await services.notifier.tell(reply, text)
            elif what == "review":
                await followups.postmortems.set_status(incident.id, actor, "in_review")
                await services.notifier.tell(reply, t("postmortem.status_set", number=incident.id,
                                                      status=t.plain("pm.status.in_review")))
            else:
                row = await followups.postmortems.set_status(incident.id, actor, "published", link)
                await services.notifier.tell(reply, t("postmortem.published", number=incident.id,
                                                      link=escape(row.link or "")))
        case AddAction(owner=owner, due=due, text=text):
            incident = await services.incidents.find(None, channel_id, "usage.action")
            bind_incident(incident.id)
            item = await followups.actions.add(incident, actor, owner, due, text)
            await services.notifier.tell(reply, t("action.added", id=item.id, owner=owner,
                                                  due=date_token(item.due_at), text=escape(item.text)))
        case CloseAction(action_id=action_id):
            item = await followups.actions.done(action_id, actor)
            await services.notifier.tell(reply, t("action.done", id=item.id, text=escape(item.text)))
        case ListActions(which=which):
            text = actions_text(t, which, await followups.actions.list(which, actor))
            await services.notifier.tell(reply, text[:3000], text_blocks(text))
        case ReportCommand():
            text, key = await followups.reports.on_request(parsed, channel_id)
            if key is None:
                await services.notifier.tell(reply, text[:3000], text_blocks(text))
            else:
                await services.outbox.deliver_now([key])
                await services.notifier.tell(reply, t("report.posted", channel=channel_link(channel_id or "")))
    return True
