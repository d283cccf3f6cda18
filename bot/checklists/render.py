"""Block Kit as pure functions. Built with slack_sdk.models, whose to_dict() validates every block."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.i18n import Catalog
from bot.slack import ids
from bot.slack.blocks import SECTION_TEXT_LIMIT, dump_blocks, format_duration
from bot.slack.text import Mrkdwn, channel_link, clip, date_token, escape, user_mention

if TYPE_CHECKING:
    from bot.checklists.service import Overview
    from bot.checklists.views import RunView
    from storage.models import ChecklistEvent

# Slack allows 10 options in one checkboxes element; longer lists get a button per item.
CHECKBOX_LIMIT = 10


def checklist_item_label(item: dict[str, Any], index: int) -> Mrkdwn:
    owner = item.get("owner")
    who = f" ({user_mention(str(owner))})" if owner else ""
    optional = "" if item.get("required", True) else " _(optional)_"
    return Mrkdwn(f"{index + 1}. {escape(str(item['text']))}{who}{optional}")


def checklist_text(t: Catalog, view: RunView) -> str:
    return t("checklist.fallback", title=escape(view.run.title), done=view.finished, total=len(view.states))


def _item_note(t: Catalog, state: Any) -> str:
    if state.state == "done" and state.by and state.at:
        return t("checklist.done_by", user=state.by, when=date_token(state.at, "{time}"))
    if state.state == "na":
        return t("checklist.na_by", user=state.by or "?", reason=escape(state.reason or ""))
    return ""


def checklist_message(t: Catalog, view: RunView) -> list[dict[str, Any]]:
    """One message per run: a checkbox per item (or a button when there are more than 10), progress, due time."""
    run, states = view.run, view.states
    progress = t("checklist.progress", done=view.finished, total=len(states))
    if run.state == "completed" and run.completed_at:
        progress += " · " + t("checklist.completed_by", user=run.completed_by or "?",
                              when=date_token(run.completed_at))
    elif run.state == "closed":
        progress += " · " + t("checklist.closed", number=run.incident_id or "?")
    elif run.due_at is not None:
        progress += " · " + t("checklist.due", when=date_token(run.due_at))
    parts: list[Block] = [
        HeaderBlock(text=clip(run.title, 150)),
        ContextBlock(elements=[MarkdownTextObject(text=progress)]),
    ]
    if len(states) <= CHECKBOX_LIMIT:
        options = []
        for state in states:
            label = checklist_item_label(run.items[state.item_index], state.item_index)
            if state.state == "na":
                label = f"~{label}~"
            note = _item_note(t, state)
            options.append(Option(value=str(state.item_index), text=MarkdownTextObject(text=clip(label, 150)),
                                  description=MarkdownTextObject(text=clip(note, 75)) if note else None))
        checked = [options[s.item_index] for s in states if s.state == "done"]
        element = CheckboxesElement(action_id=ids.CHECKLIST_TOGGLE, options=options,
                                    initial_options=checked or None)
        parts.append(ActionsBlock(block_id=f"{ids.CHECKLIST_BLOCK}:{run.id}", elements=[element]))
    else:
        for state in states:
            label = checklist_item_label(run.items[state.item_index], state.item_index)
            mark = {"done": ":white_check_mark:", "na": ":heavy_minus_sign:"}.get(state.state, ":white_square:")
            note = _item_note(t, state)
            text = f"{mark} {label}" + (f"\n{note}" if note else "")
            target = "open" if state.state == "done" else "done"
            button = ButtonElement(
                text=t("checklist.undo" if state.state == "done" else "checklist.check"),
                action_id=f"{ids.CHECKLIST_ITEM}:{state.item_index}",
                value=f"{run.id}:{state.item_index}:{target}",
            )
            parts.append(SectionBlock(text=clip(text, SECTION_TEXT_LIMIT), accessory=button))
    if run.state == "open":
        parts.append(ActionsBlock(block_id=f"{ids.CHECKLIST_BLOCK}:{run.id}:na", elements=[
            ButtonElement(text=t("checklist.mark_na"), action_id=ids.CHECKLIST_NA, value=str(run.id)),
        ]))
    return dump_blocks(parts)


def checklist_na_modal(t: Catalog, view: RunView) -> dict[str, Any]:
    options = [
        Option(value=str(s.item_index),
               text=clip(f"{s.item_index + 1}. {view.run.items[s.item_index]['text']}", 75))
        for s in view.states if s.state != "na"
    ]
    modal = View(
        type="modal",
        callback_id=ids.CHECKLIST_NA_VIEW,
        title=PlainTextObject(text=clip(t("checklist.na_title"), 24)),
        submit=PlainTextObject(text=t("checklist.na_submit")),
        close=PlainTextObject(text=t("modal.close")),
        private_metadata=str(view.run.id),
        blocks=[
            InputBlock(block_id=ids.CHECKLIST_NA_ITEM_BLOCK, label=t("checklist.na_item"),
                       element=StaticSelectElement(action_id=ids.CHECKLIST_NA_ITEM_ACTION, options=options[:100])),
            InputBlock(block_id=ids.CHECKLIST_NA_REASON_BLOCK, label=t("checklist.na_reason"),
                       element=PlainTextInputElement(action_id=ids.CHECKLIST_NA_REASON_ACTION, max_length=300)),
        ],
    )
    return modal.to_dict()


# --- texts: notices in the run's thread and DMs ---------------------------------------------------------


def _labels(view: RunView, indexes: Sequence[int]) -> Mrkdwn:
    return Mrkdwn("\n").join(checklist_item_label(view.run.items[i], i) for i in indexes)


def completed_text(t: Catalog, view: RunView, actor: str, took: timedelta) -> str:
    return t("checklist.completed", title=escape(view.run.title), user=actor, duration=format_duration(t, took))


def overdue_text(t: Catalog, view: RunView) -> str:
    return t("checklist.overdue", title=escape(view.run.title), done=view.finished, total=len(view.states),
             missing=_labels(view, view.missing()))


def overdue_owner_text(t: Catalog, view: RunView, indexes: Sequence[int]) -> str:
    return t("checklist.overdue_owner", title=escape(view.run.title), items=_labels(view, indexes))


def open_run_lines(t: Catalog, views: Sequence[RunView]) -> list[str]:
    """For handoffs: open runs and how much is left."""
    return [t("checklist.open_line", title=escape(v.run.title), done=v.finished, total=len(v.states),
              channel=_channel_note(v.run.channel_id))
            for v in views]


# --- texts: answers to /checklist ----------------------------------------------------------------------


def _channel_note(channel: str | None) -> Mrkdwn:
    return Mrkdwn(f" {channel_link(channel)}") if channel else Mrkdwn("")


def _run_line(t: Catalog, view: RunView) -> str:
    return t("checklist.run_line", id=view.run.id, title=escape(view.run.title), done=view.finished,
             total=len(view.states), state=t(f"checklist.state.{view.run.state}"))


def started_text(t: Catalog, view: RunView) -> str:
    return t("checklist.started", title=escape(view.run.title), id=view.run.id,
             channel=_channel_note(view.run.channel_id))


def status_text(t: Catalog, views: Sequence[RunView]) -> str:
    """Open runs, each with what is still missing."""
    if not views:
        return t("checklist.status_none")
    lines = [t("checklist.status_header")]
    for view in views:
        lines.append(_run_line(t, view))
        missing = [checklist_item_label(view.run.items[i], i) for i in view.missing()]
        if missing:
            lines.append(t("checklist.missing", items=Mrkdwn("; ").join(missing)))
    return "\n".join(lines)


def history_text(t: Catalog, name: str, runs: Sequence[tuple[RunView, Sequence[ChecklistEvent]]]) -> str:
    """The last runs of a template: when each completed and who changed which item."""
    lines = [t("checklist.history_header", name=escape(name))]
    for view, events in runs:
        outcome = (t("checklist.outcome_completed", when=date_token(view.run.completed_at),
                     user=view.run.completed_by or "?")
                   if view.run.completed_at else t(f"checklist.state.{view.run.state}"))
        lines.append(t("checklist.history_line", id=view.run.id, start=date_token(view.run.started_at),
                       done=view.finished, total=len(view.states), outcome=outcome))
        who = [Mrkdwn(f"{e.item_index + 1}: {user_mention(e.by)} {escape(e.action)}")
               for e in events if e.item_index is not None and e.by]
        if who:
            lines.append(t("checklist.history_who", who=Mrkdwn(", ").join(who)))
    return "\n".join(lines)


def overview_text(t: Catalog, overview: Overview) -> str:
    """The templates (with their schedules) and today's runs."""
    if not overview.templates:
        return t("checklist.none_configured")
    lines = [t("checklist.templates_header")]
    for entry in overview.templates:
        template, schedule = entry.template, ""
        if template.schedule:
            schedule = t("checklist.schedule_note", cron=template.schedule.cron, zone=entry.zone,
                         channel=channel_link(entry.channel) if entry.channel else t("checklist.no_channel"))
        lines.append(t("checklist.template_line", name=entry.name, title=escape(template.title),
                       count=len(template.items), schedule=schedule))
    lines.append(t("checklist.today_header"))
    if not overview.today:
        lines.append(t("checklist.none_today"))
    lines.extend(_run_line(t, view) for view in overview.today)
    return "\n".join(lines)
