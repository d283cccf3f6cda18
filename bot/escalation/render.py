"""Block Kit as pure functions. Built with slack_sdk.models, whose to_dict() validates every block."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.i18n import Catalog
from bot.incidents.lifecycle import Status
from bot.incidents.render import severity_label, status_label
from bot.incidents.severity import SeverityTable
from bot.slack import ids
from bot.slack.blocks import SECTION_TEXT_LIMIT, dump_blocks, format_duration
from bot.slack.text import clip, date_token, escape
from storage.models import Incident


def page_text(t: Catalog, severities: SeverityTable, incident: Incident, reason: str) -> str:
    return t("page.text", number=incident.id, severity=severity_label(t, severities, incident.severity),
             title=escape(incident.title), reason=reason)


def page_message(
    t: Catalog,
    severities: SeverityTable,
    incident: Incident,
    *,
    now: datetime,
    reason: str,
    tier_name: str,
    paged_before: Sequence[str],
    late_by: timedelta | None,
) -> list[dict[str, Any]]:
    """A page: what, how long, who else was paged, and the two buttons that matter."""
    body = t(
        "page.body",
        title=escape(incident.title),
        severity=severity_label(t, severities, incident.severity),
        status=status_label(t, incident.status),
        age=format_duration(t, now - incident.declared_at),
        reason=reason,
    )
    parts: list[Block] = [
        HeaderBlock(text=clip(t("page.header", number=incident.id), 150)),
        SectionBlock(text=clip(body, SECTION_TEXT_LIMIT)),
    ]
    context = []
    if tier_name:
        context.append(MarkdownTextObject(text=clip(t("page.tier", tier=tier_name), 2000)))
    if paged_before:
        who = ", ".join(f"<@{u}>" for u in paged_before[:30])
        context.append(MarkdownTextObject(text=clip(t("page.already", who=who), 2000)))
    if context:
        parts.append(ContextBlock(elements=context))
    if late_by is not None:
        parts.append(SectionBlock(text=t("page.late", late=format_duration(t, late_by))))
    buttons = []
    if incident.status in (Status.DECLARED, Status.REOPENED):
        buttons.append(ButtonElement(text=t("button.ack"), action_id=ids.ACK, value=str(incident.id),
                                     style="primary"))
    if incident.channel_id:
        buttons.append(ButtonElement(text=t("button.open_channel"), action_id=ids.OPEN_CHANNEL,
                                     url=f"https://slack.com/app_redirect?channel={incident.channel_id}"))
    if buttons:
        parts.append(ActionsBlock(block_id=f"{ids.PAGE_ACTIONS_BLOCK}:{incident.id}", elements=buttons))
    return dump_blocks(parts)


def pending_text(t: Catalog, jobs: Sequence[Any], snapshot: dict[str, Any] | None) -> str:
    lines = [t("status.pending")]
    tiers = (snapshot or {}).get("tiers", [])
    for job in jobs:
        key = f"status.pending.{job.kind}"
        tier_index = int((job.payload or {}).get("tier", 0))
        name = ""
        if job.kind == "escalate" and tier_index < len(tiers):
            name = tiers[tier_index].get("name") or t("page.tier_number", tier=tier_index + 1)
        if key not in t.keys:
            continue
        text = escape(clip(str((job.payload or {}).get("text", "")), 200))
        lines.append(t(key, tier=name, when=date_token(job.due_at), id=job.id, text=text))
    if len(lines) == 1:
        lines.append(t("status.pending.none"))
    return "\n".join(lines)
