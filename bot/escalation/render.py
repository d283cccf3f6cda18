"""What escalation says, as pure functions: pages (Block Kit, built with slack_sdk.models, whose to_dict()
validates every block), the posts around them, and the report to whoever escalated."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

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
from bot.incidents.render import incident_summary, severity_label, status_label, summary_text
from bot.incidents.severity import Severity, SeverityTable
from bot.slack import ids
from bot.slack.blocks import SECTION_TEXT_LIMIT, dump_blocks, format_duration, text_blocks
from bot.slack.text import Mrkdwn, clip, date_token, escape, id_markup, slack_target, user_mentions
from storage.models import Incident

if TYPE_CHECKING:
    from bot.incidents.service import IncidentStatus


def tier_label(t: Catalog, tier: dict[str, Any], number: int | None) -> str:
    """A tier's name from the policy, else its position ("Tier 2"); empty for the unnumbered manager tier."""
    return tier.get("name") or (t("page.tier_number", tier=number) if number else "")


def page_reason(t: Catalog, severity: Severity | None, payload: dict[str, Any], actor: str | None = None) -> str:
    """Why a tier is paged: someone escalated by hand, or nobody acknowledged in time."""
    if payload.get("reason") == "manual":
        text = payload.get("text") or t("page.reason.no_reason")
        return t("page.reason.manual", user=actor or payload.get("actor", ""), reason=text)
    if payload.get("reason") == "tier_time":
        after = int(payload.get("after_seconds", 0))
        if after == 0:
            return t("page.reason.tier_at_declare")
        return t("page.reason.tier_time", after=format_duration(t, timedelta(seconds=after)))
    target = format_duration(t, severity.ack_within) if severity else "?"
    return t("page.reason.ack_timeout", target=target)


def declare_reason(t: Catalog, severities: SeverityTable, severity_id: str) -> str:
    return t("page.reason.declare", severity=severity_label(t, severities, severity_id))


def paged_post(t: Catalog, tier_name: str, mentions: str, reason: str) -> str:
    """The post in a channel that says who is being paged, and why."""
    # `mentions` is built by code from ids (`<@U…> <!subteam^S…>`, `<#C…>`): only those tokens stay markup.
    return t("post.paged", tier=tier_name, mentions=id_markup(mentions), reason=reason)


def failures_list(failed: Sequence[tuple[str, str]]) -> Mrkdwn:
    return Mrkdwn(", ").join(Mrkdwn(f"{id_markup(target)} ({escape(reason)})") for target, reason in failed)


def page_failures_text(t: Catalog, number: int, failed: Sequence[tuple[str, str]]) -> str:
    """For the commander: who could not be paged, with Slack's reason."""
    return t("post.page_failed", number=number, failures=failures_list(failed))


def resolve_target(t: Catalog, severity: Severity | None) -> str:
    return format_duration(t, severity.resolve_within) if severity else "?"


def resolve_breach_text(t: Catalog, number: int, target: str) -> str:
    return t("post.resolve_breach", number=number, target=target)


def nudge_text(t: Catalog, number: int, window: timedelta) -> str:
    return t("post.nudge", number=number, window=format_duration(t, window))


def escalate_report(t: Catalog, number: int, sent: Sequence[str], failed: Sequence[tuple[str, str]]) -> str:
    """The answer to whoever escalated: who was paged, and who could not be."""
    reached = Mrkdwn(", ").join(slack_target(u) for u in sent) or "—"
    if failed:
        return t("done.escalate_failed", number=number, sent=reached, failed=failures_list(failed))
    return t("done.escalate", number=number, sent=reached)


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
        who = user_mentions(paged_before[:30])
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
            name = tier_label(t, tiers[tier_index], tier_index + 1)
        if key not in t.keys:
            continue
        text = escape(clip(str((job.payload or {}).get("text", "")), 200))
        lines.append(t(key, tier=name, when=date_token(job.due_at), id=job.id, text=text))
    if len(lines) == 1:
        lines.append(t("status.pending.none"))
    return "\n".join(lines)


def status_message(t: Catalog, severities: SeverityTable, status: IncidentStatus) -> tuple[str, list[dict[str, Any]]]:
    """`/incident status`: the live message with its channel, then what is scheduled (pages first of all)."""
    details = status.details
    blocks = incident_summary(t, severities, details.incident, roles=details.roles,
                              last_update=details.last_update, show_channel=True)
    blocks += text_blocks(pending_text(t, status.pending, details.incident.escalation_snapshot))
    return summary_text(t, severities, details.incident), blocks


def render_reason(t: Catalog, severities: SeverityTable, incident: Incident, spec: dict[str, Any]) -> str:
    """Why a page was sent, from what the firing recorded: rendered when the page is delivered."""
    kind = spec.get("reason")
    if kind == "declare":
        return declare_reason(t, severities, incident.severity)
    if kind == "breach":
        return resolve_breach_text(t, incident.id, str(spec.get("target", "?")))
    if kind == "nudge":
        return nudge_text(t, incident.id, timedelta(seconds=int(spec.get("window_seconds", 0))))
    return page_reason(t, severities.get(incident.severity), spec)


def delays_text(t: Catalog, number: int, delayed: Sequence[tuple[str, int | None, int]]) -> str:
    """For the commander after an outage: which pages went out late, and by how much."""
    pages = Mrkdwn(", ").join(
        Mrkdwn(f"{mention(target)} ({t('page.tier_number', tier=tier)}, {format_duration(t, timedelta(seconds=late))})")
        if tier else Mrkdwn(f"{mention(target)} ({format_duration(t, timedelta(seconds=late))})")
        for target, tier, late in delayed)
    return t("post.pages_delayed", number=number, pages=pages)


def mention(target: str) -> Mrkdwn:
    """A page target as Slack shows it: a person, a channel, or a name (a rotation, the incident channel)."""
    return slack_target(target)
