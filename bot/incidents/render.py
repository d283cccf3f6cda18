"""Block Kit as pure functions. Built with slack_sdk.models, whose to_dict() validates every block."""

from __future__ import annotations

from collections.abc import Sequence
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
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.i18n import Catalog
from bot.incidents.lifecycle import Action, Status, can
from bot.incidents.severity import SeverityTable
from bot.slack import ids
from bot.slack.blocks import SECTION_TEXT_LIMIT, dump_blocks, format_duration
from bot.slack.text import ago_token, clip, date_token, escape
from storage.models import Incident, IncidentRole, TimelineEntry


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
    header = clip(t("summary.header", emoji=emoji, number=incident.id, title=incident.title), 150)
    fields = [
        MarkdownTextObject(text=t("summary.severity", severity=severity_label(t, severities, incident.severity))),
        MarkdownTextObject(text=t("summary.status", status=status_label(t, incident.status))),
        MarkdownTextObject(
            text=t(
                "summary.commander",
                commander=f"<@{incident.commander_id}>" if incident.commander_id else t("summary.nobody"),
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
        listed = ", ".join(f"<@{r.user_id}> ({t('role.' + r.role)})" for r in others)
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
                channel=f" <#{incident.channel_id}>" if incident.channel_id else "",
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


def declare_modal(
    t: Catalog, severities: SeverityTable, *, initial_commander: str | None, private_metadata: str
) -> dict[str, Any]:
    options = [
        Option(value=s.id, text=clip(t("severity.option", id=s.id, name=s.name(t.locale)), 75))
        for s in severities.ordered
    ]
    default = next(o for o in options if o.value == severities.default.id)
    commander = UserSelectElement(action_id=ids.DECLARE_COMMANDER_ACTION)
    if initial_commander:
        commander = UserSelectElement(action_id=ids.DECLARE_COMMANDER_ACTION, initial_user=initial_commander)
    view = View(
        type="modal",
        callback_id=ids.DECLARE_VIEW,
        title=PlainTextObject(text=t("modal.declare.title")),
        submit=PlainTextObject(text=t("modal.declare.submit")),
        close=PlainTextObject(text=t("modal.close")),
        private_metadata=private_metadata,
        blocks=[
            InputBlock(
                block_id=ids.DECLARE_TITLE_BLOCK,
                label=t("modal.declare.title_label"),
                element=PlainTextInputElement(
                    action_id=ids.DECLARE_TITLE_ACTION,
                    max_length=150,
                    placeholder=t("modal.declare.title_placeholder"),
                ),
            ),
            InputBlock(
                block_id=ids.DECLARE_SEVERITY_BLOCK,
                label=t("modal.declare.severity_label"),
                element=StaticSelectElement(
                    action_id=ids.DECLARE_SEVERITY_ACTION, options=options, initial_option=default
                ),
            ),
            InputBlock(
                block_id=ids.DECLARE_SERVICE_BLOCK,
                label=t("modal.declare.service_label"),
                optional=True,
                element=PlainTextInputElement(action_id=ids.DECLARE_SERVICE_ACTION, max_length=200),
            ),
            InputBlock(
                block_id=ids.DECLARE_DESCRIPTION_BLOCK,
                label=t("modal.declare.description_label"),
                optional=True,
                element=PlainTextInputElement(
                    action_id=ids.DECLARE_DESCRIPTION_ACTION, multiline=True, max_length=2900
                ),
            ),
            InputBlock(
                block_id=ids.DECLARE_COMMANDER_BLOCK,
                label=t("modal.declare.commander_label"),
                optional=True,
                element=commander,
            ),
        ],
    )
    return view.to_dict()


def update_modal(t: Catalog, *, number: int, private_metadata: str) -> dict[str, Any]:
    view = View(
        type="modal",
        callback_id=ids.UPDATE_VIEW,
        title=PlainTextObject(text=t("modal.update.title")),
        submit=PlainTextObject(text=t("modal.update.submit")),
        close=PlainTextObject(text=t("modal.close")),
        private_metadata=private_metadata,
        blocks=[
            InputBlock(
                block_id=ids.UPDATE_TEXT_BLOCK,
                label=clip(t("modal.update.label", number=number), 2000),
                element=PlainTextInputElement(action_id=ids.UPDATE_TEXT_ACTION, multiline=True, max_length=2900),
            )
        ],
    )
    return view.to_dict()


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
                        channel=f" <#{incident.channel_id}>" if incident.channel_id else "",
                    ),
                    SECTION_TEXT_LIMIT,
                )
            )
        )
    return View(type="home", blocks=blocks).to_dict()


def postmortem_due(t: Catalog, resolved_at: datetime) -> str:
    return t("post.postmortem", due=date_token(resolved_at + timedelta(hours=48)))
