"""What an incident looks like in Slack, as pure functions: the live message, lists, the App Home, and
the texts told after each change (modals are in modals.py). Block Kit is built with slack_sdk.models,
whose to_dict() validates it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.i18n import Catalog
from bot.incidents.lifecycle import Action, Status, can
from bot.incidents.roles import Role
from bot.incidents.severity import Broadcast, SeverityTable
from bot.slack import ids
from bot.slack.blocks import SECTION_TEXT_LIMIT, dump_blocks, format_duration, text_blocks
from bot.slack.text import Mrkdwn, ago_token, channel_link, clip, date_token, escape, id_markup, user_mention
from bot.slack.text import user_mentions as user_mentions
from storage.models import Incident, IncidentRole, MaintenanceWindow, ScheduledJob, TimelineEntry


def severity_label(t: Catalog, severities: SeverityTable, severity_id: str) -> str:
    severity = severities.get(severity_id)
    return f"{severity_id} {severity.name(t.locale)}" if severity else severity_id


def status_label(t: Catalog, status: str) -> str:
    return t(f"status.{status}")


def summary_text(t: Catalog, severities: SeverityTable, incident: Incident) -> str:
    """The notification fallback for the live message."""
    return t(
        "summary.fallback",
        number=incident.id,
        severity=severity_label(t, severities, incident.severity),
        status=status_label(t, incident.status),
        title=escape(incident.title),
    )


def topic_text(t: Catalog, severities: SeverityTable, incident: Incident) -> str:
    return clip(
        t(
            "topic",
            severity=severity_label(t, severities, incident.severity),
            status=status_label(t, incident.status),
            title=incident.title,
        ),
        250,
    )


def incident_buttons(t: Catalog, incident: Incident) -> ActionsBlock:
    value = str(incident.id)
    status = Status(incident.status)
    elements: list[ButtonElement] = []
    if status is Status.RESOLVED:
        elements.append(ButtonElement(text=t("button.reopen"), action_id=ids.REOPEN, value=value))
    else:
        if can(Action.ACK, status):
            elements.append(
                ButtonElement(text=t("button.ack"), action_id=ids.ACK, value=value, style="primary")
            )
        elements.append(ButtonElement(text=t("button.update"), action_id=ids.UPDATE, value=value))
        if incident.escalation_snapshot:
            elements.append(ButtonElement(text=t("button.escalate"), action_id=ids.ESCALATE, value=value))
        elements.append(
            ButtonElement(
                text=t("button.resolve"),
                action_id=ids.RESOLVE,
                value=value,
                style="danger",
                confirm=ConfirmObject(
                    title=t("confirm.resolve.title"),
                    text=clip(t("confirm.resolve.text", number=incident.id, title=incident.title), 300),
                    confirm=t("confirm.resolve.yes"),
                    deny=t("confirm.resolve.no"),
                    style="danger",
                ),
            )
        )
    return ActionsBlock(block_id=f"{ids.INCIDENT_ACTIONS_BLOCK}:{incident.id}", elements=elements)


def incident_summary(
    t: Catalog,
    severities: SeverityTable,
    incident: Incident,
    *,
    roles: Sequence[IncidentRole] = (),
    last_update: TimelineEntry | None = None,
    show_channel: bool = False,
) -> list[dict[str, Any]]:
    """The live message: one per place, always the incident's current state."""
    severity = severities.get(incident.severity)
    emoji = severity.emoji if severity else ":rotating_light:"
    header = clip(t.plain("summary.header", emoji=emoji, number=incident.id, title=incident.title), 150)
    fields = [
        MarkdownTextObject(text=t("summary.severity", severity=severity_label(t, severities, incident.severity))),
        MarkdownTextObject(text=t("summary.status", status=status_label(t, incident.status))),
        MarkdownTextObject(
            text=t(
                "summary.commander",
                commander=user_mention(incident.commander_id) if incident.commander_id else t("summary.nobody"),
            )
        ),
        MarkdownTextObject(
            text=t("summary.declared", declared=date_token(incident.declared_at), user=incident.declared_by)
        ),
    ]
    if incident.acknowledged_at and incident.acknowledged_by:
        fields.append(
            MarkdownTextObject(
                text=t("summary.acknowledged", when=date_token(incident.acknowledged_at),
                       user=incident.acknowledged_by)
            )
        )
    elif severity is not None:
        fields.append(
            MarkdownTextObject(
                text=t("summary.not_acknowledged", target=date_token(incident.declared_at + severity.ack_within))
            )
        )
    if incident.service:
        fields.append(MarkdownTextObject(text=t("summary.service", service=clip(escape(incident.service), 1900))))
    if incident.resolved_at and incident.resolved_by:
        fields.append(
            MarkdownTextObject(
                text=t("summary.resolved", when=date_token(incident.resolved_at), user=incident.resolved_by)
            )
        )
    blocks: list[Block] = [HeaderBlock(text=header), SectionBlock(fields=fields[:10])]
    if incident.description:
        blocks.append(SectionBlock(text=clip(escape(incident.description), SECTION_TEXT_LIMIT)))
    others = [r for r in roles if r.role != "commander"]
    if others:
        listed = Mrkdwn(", ").join(Mrkdwn(f"{user_mention(r.user_id)} ({t('role.' + r.role)})") for r in others)
        blocks.append(SectionBlock(text=clip(t("summary.roles", roles=listed), SECTION_TEXT_LIMIT)))
    if last_update is not None:
        text = t("summary.last_update", when=date_token(last_update.at),
                 text=escape(str(last_update.data.get("text", ""))))
        blocks.append(SectionBlock(text=clip(text, SECTION_TEXT_LIMIT)))
    if incident.resolution_summary and incident.status == Status.RESOLVED:
        blocks.append(SectionBlock(text=clip(t("summary.resolution", text=escape(incident.resolution_summary)),
                                             SECTION_TEXT_LIMIT)))
    context: list[MarkdownTextObject] = []
    if incident.status == Status.RESOLVED and incident.resolved_at:
        duration = format_duration(t, incident.resolved_at - incident.declared_at)
        context.append(MarkdownTextObject(text=t("summary.closed_after", duration=duration)))
    else:
        context.append(MarkdownTextObject(text=t("summary.age", ago=ago_token(incident.declared_at))))
    if show_channel and incident.channel_id:
        context.append(MarkdownTextObject(text=t("summary.channel", channel=incident.channel_id)))
    blocks.append(ContextBlock(elements=context))
    blocks.append(incident_buttons(t, incident))
    return dump_blocks(blocks)


def incident_list_text(
    t: Catalog, severities: SeverityTable, incidents: Sequence[Incident], *, include_closed: bool
) -> str:
    header = t("list.header", filter=t("list.filter.all" if include_closed else "list.filter.open"))
    if not incidents:
        return f"{header}\n{t('list.empty')}"
    lines = [header]
    for incident in incidents:
        lines.append(
            t(
                "list.item",
                number=incident.id,
                severity=incident.severity,
                title=escape(clip(incident.title, 80)),
                status=status_label(t, incident.status),
                ago=ago_token(incident.declared_at),
                channel=Mrkdwn(f" {channel_link(incident.channel_id)}") if incident.channel_id else "",
            )
        )
    return "\n".join(lines)


def timeline_entry_text(t: Catalog, entry: TimelineEntry) -> str:
    params = {key: escape(str(value)) if key in ("text", "title", "summary") else value
              for key, value in entry.data.items()}
    if entry.kind == "assigned":
        params["role"] = t(f"role.{params.get('role', 'responder')}")
    return t(f"timeline.{entry.kind}", actor=entry.actor_id or "firebell", **params)


def timeline_text(t: Catalog, number: int, entries: Sequence[TimelineEntry]) -> str:
    lines = [t("timeline.header", number=number)]
    if not entries:
        lines.append(t("timeline.empty"))
    for entry in entries:
        lines.append(t("timeline.item", when=date_token(entry.at, "{date_short} {time_secs}"),
                       text=timeline_entry_text(t, entry)))
    return "\n".join(lines)


def home_view(t: Catalog, severities: SeverityTable, incidents: Sequence[Incident]) -> dict[str, Any]:
    blocks: list[Block] = [HeaderBlock(text=t("home.header")), SectionBlock(text=t("home.open"))]
    if not incidents:
        blocks.append(SectionBlock(text=t("home.none")))
    for incident in incidents[:40]:
        blocks.append(DividerBlock())
        blocks.append(
            SectionBlock(
                text=clip(
                    t(
                        "list.item",
                        number=incident.id,
                        severity=severity_label(t, severities, incident.severity),
                        title=escape(clip(incident.title, 150)),
                        status=status_label(t, incident.status),
                        ago=ago_token(incident.declared_at),
                        channel=Mrkdwn(f" {channel_link(incident.channel_id)}") if incident.channel_id else "",
                    ),
                    SECTION_TEXT_LIMIT,
                )
            )
        )
    return View(type="home", blocks=blocks).to_dict()


def postmortem_due(t: Catalog, resolved_at: datetime, within: timedelta = timedelta(hours=48)) -> str:
    return t("post.postmortem", due=date_token(resolved_at + within))


# --- what is said after a change ------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """A change told twice: `post` in the incident's channel, `done` back to whoever made it."""

    post: str
    done: str


_TRANSITION_KEYS = {
    Action.ACK: ("post.ack", "done.ack"),
    Action.MITIGATE: ("post.mitigate", "done.mitigate"),
    Action.REOPEN: ("post.reopen", "done.reopen"),
}


def transition_notice(t: Catalog, action: Action, number: int, actor: str) -> Notice:
    """Acknowledge, mitigate, reopen (resolve has its own: a summary and the post-mortem due date)."""
    post_key, done_key = _TRANSITION_KEYS[action]
    return Notice(t(post_key, user=actor), t(done_key, number=number))


def resolve_notice(t: Catalog, incident: Incident, actor: str, summary: str | None,
                   postmortem_within: timedelta = timedelta(hours=48)) -> Notice:
    text = t("post.resolve_summary", user=actor, summary=escape(summary)) if summary else t("post.resolve", user=actor)
    assert incident.resolved_at is not None
    return Notice(f"{text}\n{postmortem_due(t, incident.resolved_at, postmortem_within)}",
                  t("done.resolve", number=incident.id))


def update_notice(t: Catalog, number: int, actor: str, text: str) -> Notice:
    return Notice(t("post.update", user=actor, text=escape(text)), t("done.update", number=number))


def severity_notice(t: Catalog, severities: SeverityTable, number: int, actor: str, old: str, new: str) -> Notice:
    return Notice(t("post.severity", user=actor, old=old, new=new),
                  t("done.severity", number=number, severity=severity_label(t, severities, new)))


def assign_notice(t: Catalog, number: int, actor: str, user_id: str, role: Role) -> Notice:
    label = t(f"role.{role.value}")
    return Notice(t("post.assign", user=actor, target=user_id, role=label),
                  t("done.assign", number=number, user=user_id, role=label))


def declare_accepted(t: Catalog, *, title: str, severity: str, clipped_to: int | None) -> str:
    """The ack of `/incident declare`; says so when the title had to be shortened."""
    text = t("declare.accepted", title=title, severity=severity)
    if clipped_to is not None:
        text += "\n" + t("declare.title_clipped", limit=clipped_to)
    return text


def declared_text(t: Catalog, number: int, channel_id: str) -> str:
    return t("declare.done", number=number, channel=channel_id)


def declared_without_channel(t: Catalog, number: int, code: str) -> str:
    return t("declare.done_no_channel", number=number, code=code)


def will_retry(t: Catalog) -> str:
    return t("notice.will_retry")


def step_failed(t: Catalog, key: str, *, number: int, code: str, **params: Any) -> str:
    """One Slack step of a flow failed (`key` names which): told to the person who asked. The params are
    built by code (mentions, channel ids) and may have been stored as JSON: only Slack id tokens stay markup."""
    return t(key, number=number, code=code,
             **{name: id_markup(value) if isinstance(value, str) else value for name, value in params.items()})


def feed_announcement(t: Catalog, severities: SeverityTable, incident: Incident) -> tuple[str, list[dict[str, Any]]]:
    """The feed's copy of the live message, led by @here or @channel when the severity says so."""
    severity = severities.get(incident.severity)
    blocks = incident_summary(t, severities, incident, show_channel=True)
    text = summary_text(t, severities, incident)
    if severity is not None and severity.broadcast is not Broadcast.NONE:
        label = severity_label(t, severities, incident.severity)
        broadcast = t(f"broadcast.{severity.broadcast.value}", severity=label)
        text = f"{broadcast} {text}"
        blocks = text_blocks(broadcast) + blocks
    return text, blocks


def maintenance_note(t: Catalog, incident: Incident, window: MaintenanceWindow) -> str:
    return t("maintenance.incident_note", service=escape(incident.service or ""), id=window.id,
             title=escape(window.title), end=date_token(window.ends_at))


def reminder_set(t: Catalog, job: ScheduledJob) -> str:
    return t("reminder.set", id=job.id, when=date_token(job.due_at))


def reminder_cancelled(t: Catalog, reminder_id: int) -> str:
    return t("reminder.cancelled", id=reminder_id)
