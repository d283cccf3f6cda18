"""The post-mortem as a Markdown document, and the texts about action items. Pure functions.

The document is Markdown (it is uploaded as a `.md` file), so the catalog's Slack markup is turned into
plain text here: mentions become `@U…`, channel links `#C…`, and Slack's escapes are undone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import Catalog
from bot.incidents.render import severity_label, timeline_entry_text
from bot.incidents.severity import SeverityTable
from bot.policy.postmortems import FILL_IN, SECTIONS, PostmortemPolicy
from bot.slack.blocks import format_duration
from bot.slack.text import Mrkdwn, date_token, escape, unescape
from storage.models import Incident, IncidentRole, Page, TimelineEntry
from storage.postmortems_models import ActionItem, Postmortem

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>")
_GROUP = re.compile(r"<!subteam\^(S[A-Z0-9]+)(?:\|[^>]*)?>")
_SPECIAL = re.compile(r"<!(channel|here|everyone)>")
_DATE = re.compile(r"<!date\^\d+\^[^|]*\|([^>]*)>")
_LINK = re.compile(r"<(https?://[^|>]+)(?:\|([^>]*))?>")


def markdown_of(text: str) -> str:
    """Slack mrkdwn as Markdown plain text: mentions as @id, links kept, escapes undone."""
    text = _MENTION.sub(r"@\1", text)
    text = _CHANNEL.sub(r"#\1", text)
    text = _GROUP.sub(r"@\1", text)
    text = _SPECIAL.sub(r"@\1", text)
    text = _DATE.sub(r"\1", text)
    text = _LINK.sub(lambda m: f"[{m.group(2)}]({m.group(1)})" if m.group(2) else m.group(1), text)
    return unescape(text)


def _cell(text: str) -> str:
    """A table cell: one line, no column breaks."""
    return " ".join(text.split()).replace("|", "\\|")


@dataclass(frozen=True)
class PostmortemFacts:
    """What Firebell knows of an incident when it drafts the document."""

    incident: Incident
    postmortem: Postmortem | None
    roles: Sequence[IncidentRole]
    timeline: Sequence[TimelineEntry]
    pages: Sequence[Page]
    actions: Sequence[ActionItem]


class Document:
    """Formats moments and durations the same way throughout one document."""

    def __init__(self, t: Catalog, zone: ZoneInfo, *, with_dates: bool) -> None:
        self.t = t
        self.zone = zone
        self.with_dates = with_dates

    def moment(self, when: datetime, *, full: bool = True) -> str:
        local = when.astimezone(self.zone)
        return local.strftime("%Y-%m-%d %H:%M" if full or self.with_dates else "%H:%M")

    def after(self, start: datetime, when: datetime | None) -> tuple[str, str]:
        if when is None:
            return self.t.plain("pm.not_yet"), self.t.plain("pm.not_yet")
        return self.moment(when), str(format_duration(self.t, when - start))


def _spans_days(facts: PostmortemFacts, zone: ZoneInfo) -> bool:
    moments = [facts.incident.declared_at, *(e.at for e in facts.timeline)]
    if facts.incident.resolved_at:
        moments.append(facts.incident.resolved_at)
    return len({m.astimezone(zone).date() for m in moments}) > 1


def postmortem_markdown(t: Catalog, severities: SeverityTable, policy: PostmortemPolicy, zone: ZoneInfo,
                        facts: PostmortemFacts) -> str:
    incident = facts.incident
    doc = Document(t, zone, with_dates=_spans_days(facts, zone))
    heading = {section: policy.heading(t.locale, section) for section in SECTIONS}
    lines = [f"# {t.plain('pm.title', number=incident.id, title=incident.title)}", ""]
    status = facts.postmortem.status if facts.postmortem else "draft"
    due = facts.postmortem.due_at if facts.postmortem else (incident.resolved_at or incident.declared_at)
    lines.append(t.plain("pm.status_line", status=t.plain(f"pm.status.{status}"), due=doc.moment(due),
                         zone=zone.key))
    if facts.postmortem and facts.postmortem.link:
        lines.append("")
        lines.append(t.plain("pm.link_line", link=facts.postmortem.link))
    lines += ["", f"## {heading['summary']}", ""]
    lines += _summary_table(t, severities, doc, facts)
    if incident.resolution_summary:
        lines += ["", f"**{t.plain('pm.field.resolution')}:** {markdown_of(escape(incident.resolution_summary))}"]
    for section in SECTIONS[1:]:
        lines += ["", f"## {heading[section]}", ""]
        if section == "timeline":
            lines += _timeline(t, doc, facts.timeline)
        elif section == "action_items":
            lines += _actions(t, doc, facts.actions)
        elif section in FILL_IN:
            lines += [f"<!-- {t.plain(f'pm.hint.{section}')} -->", t.plain("pm.fill_in")]
    return "\n".join(lines).rstrip() + "\n"


def _summary_table(t: Catalog, severities: SeverityTable, doc: Document, facts: PostmortemFacts) -> list[str]:
    incident = facts.incident
    start = incident.declared_at
    acked, tta = doc.after(start, incident.acknowledged_at)
    # Never marked mitigated: it was mitigated when it was resolved.
    mitigated, ttm = doc.after(start, incident.mitigated_at or incident.resolved_at)
    resolved, ttr = doc.after(start, incident.resolved_at)
    roles: dict[str, list[str]] = {}
    for role in facts.roles:
        roles.setdefault(t.plain(f"role.{role.role}"), []).append(f"@{role.user_id}")
    if incident.commander_id and not any(r.role == "commander" for r in facts.roles):
        roles.setdefault(t.plain("role.commander"), []).append(f"@{incident.commander_id}")
    pages = [t.plain("pm.page", target=f"@{p.target}" if p.target[:1] in "UW" else p.target, via=p.via,
                     when=doc.moment(p.at, full=False), status=p.status) for p in facts.pages]
    rows = [
        ("pm.field.severity", severity_label(t, severities, incident.severity)),
        ("pm.field.service", incident.service or t.plain("pm.none")),
        ("pm.field.declared_by", f"@{incident.declared_by}"),
        ("pm.field.started", doc.moment(start)),
        ("pm.field.acknowledged", acked),
        ("pm.field.mitigated", mitigated),
        ("pm.field.resolved", resolved),
        ("pm.field.tta", tta),
        ("pm.field.ttm", ttm),
        ("pm.field.ttr", ttr),
        ("pm.field.roles", "; ".join(f"{name}: {', '.join(people)}" for name, people in roles.items())
         or t.plain("pm.nobody")),
        ("pm.field.paged", "; ".join(pages) or t.plain("pm.nobody")),
    ]
    table = [f"| {t.plain('pm.field')} | {t.plain('pm.value')} |", "|---|---|"]
    table += [f"| {t.plain(key)} | {_cell(value)} |" for key, value in rows]
    return table


def _timeline(t: Catalog, doc: Document, entries: Sequence[TimelineEntry]) -> list[str]:
    if not entries:
        return [t.plain("pm.timeline_empty")]
    # The manual's form: "HH:MM – event" (with the date when the incident spans several days).
    return [f"- {doc.moment(e.at, full=False)} – {markdown_of(timeline_entry_text(t, e))}" for e in entries]


def _actions(t: Catalog, doc: Document, actions: Sequence[ActionItem]) -> list[str]:
    if not actions:
        return [t.plain("pm.actions_none")]
    lines = [t.plain("pm.actions_head"), "|---|---|---|---|---|"]
    for item in actions:
        lines.append(f"| {item.id} | @{item.owner_id} | {doc.moment(item.due_at)} | "
                     f"{t.plain(f'pm.action_status.{item.status}')} | {_cell(item.text)} |")
    return lines


def file_name(number: int, revision: int) -> str:
    return f"postmortem-incident-{number}-r{revision}.md"


# --- Slack texts ------------------------------------------------------------------------------------------


def action_line(t: Catalog, item: ActionItem) -> Mrkdwn:
    return t("action.list_item", id=item.id, text=escape(item.text), owner=item.owner_id, due=date_token(item.due_at),
             number=item.incident_id)


def actions_text(t: Catalog, which: str, items: Sequence[ActionItem]) -> str:
    lines = [str(t(f"action.list.{which}"))]
    lines += [action_line(t, item) for item in items] or [str(t("action.list_empty"))]
    return "\n".join(lines)


def remind_at(due: datetime, remind_before: timedelta, now: datetime) -> datetime | None:
    """When to remind before a due time; None when that moment has passed already."""
    at = due - remind_before
    return at if at > now else None
