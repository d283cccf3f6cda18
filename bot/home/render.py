"""The App Home view, built with slack_sdk.models (to_dict() validates it). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.i18n import Catalog
from bot.incidents.render import severity_label, status_label
from bot.incidents.severity import SeverityTable
from bot.oncall.rotations import RotationNow
from bot.postmortems.render import action_line
from bot.reports.render import duration, percent
from bot.slack.blocks import SECTION_TEXT_LIMIT
from bot.slack.text import Mrkdwn, ago_token, clip, date_token, escape, user_mention
from storage.models import Incident, Page
from storage.postmortems_models import ActionItem, ReportSnapshot

DECLARE = "apphome.declare"
FULL_REPORT = "apphome.report"
MAX_LINES = 15


@dataclass(frozen=True)
class HomeFacts:
    incidents: list[Incident]
    oncall: list[RotationNow]
    actions: list[ActionItem]
    checklist: list[tuple[str, str]]  # (run title, item text)
    pages: list[Page]
    report: ReportSnapshot | None


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=clip(Mrkdwn(text), SECTION_TEXT_LIMIT))


def _incident_line(t: Catalog, severities: SeverityTable, incident: Incident) -> str:
    params: dict[str, Any] = {
        "severity": severity_label(t, severities, incident.severity), "number": incident.id,
        "title": escape(clip(incident.title, 80)), "status": status_label(t, incident.status),
        "ago": ago_token(incident.declared_at),
        "commander": user_mention(incident.commander_id) if incident.commander_id else t("home.no_commander"),
        "acked": t("home.acked") if incident.acknowledged_at else t("home.not_acked"),
    }
    if incident.channel_id:
        return str(t("home.open_item", channel=incident.channel_id, **params))
    return str(t("home.open_item_nochannel", **params))


def _oncall_line(t: Catalog, now: RotationNow) -> str:
    who = user_mention(now.current.user_id) if now.current.user_id else t("home.nobody")
    upcoming = now.following
    nxt = user_mention(upcoming.user_id) if upcoming and upcoming.user_id else t("home.nobody")
    when = date_token(upcoming.starts_at) if upcoming else Mrkdwn("")
    return str(t("home.oncall_row", rotation=now.rotation, now=who, next=nxt, when=when))


def home_view(t: Catalog, severities: SeverityTable, facts: HomeFacts) -> dict[str, Any]:
    order = {s: i for i, s in enumerate(severities.ids)}
    incidents = sorted(facts.incidents, key=lambda i: (order.get(i.severity, 99), i.declared_at))
    sections: list[list[str]] = [
        [str(t("home.open_by_severity", count=len(incidents))),
         *([_incident_line(t, severities, i) for i in incidents[:MAX_LINES]] or [str(t("home.none_open"))])],
        [str(t("home.oncall")), *([_oncall_line(t, r) for r in facts.oncall] or [str(t("home.oncall_none"))])],
        [str(t("home.my_actions")),
         *([str(action_line(t, a)) for a in facts.actions[:MAX_LINES]] or [str(t("action.list_empty"))])],
        [str(t("home.my_checklist")),
         *([str(t("home.checklist_row", title=clip(title, 60), item=clip(item, 150)))
            for title, item in facts.checklist[:MAX_LINES]] or [str(t("action.list_empty"))])],
        [str(t("home.my_pages")),
         *([str(t("home.page_row", number=p.incident_id, when=date_token(p.at), via=p.via))
            for p in facts.pages[:MAX_LINES]] or [str(t("action.list_empty"))])],
        _report_lines(t, facts.report),
    ]
    blocks: list[Block] = [HeaderBlock(text=t.plain("home.header_v2"))]
    for lines in sections:
        blocks += [_section("\n".join(lines)), DividerBlock()]
    blocks.append(ActionsBlock(block_id="apphome.actions", elements=[
        ButtonElement(text=t.plain("home.declare"), action_id=DECLARE, value="declare", style="primary"),
        ButtonElement(text=t.plain("home.full_report"), action_id=FULL_REPORT, value="30d"),
    ]))
    return View(type="home", blocks=blocks).to_dict()


def _report_lines(t: Catalog, snapshot: ReportSnapshot | None) -> list[str]:
    if snapshot is None:
        return [str(t("home.latest_report", name="-", when="-")), str(t("home.no_report"))]
    headline = snapshot.headline or {}
    return [str(t("home.latest_report", name=str(headline.get("name") or snapshot.name),
                  when=date_token(snapshot.created_at))),
            str(t("home.report_headline", total=int(headline.get("total") or 0),
                  mtta=Mrkdwn(duration(t, headline.get("mtta"))), mttr=Mrkdwn(duration(t, headline.get("mttr"))),
                  sla=percent(headline.get("sla_ack"), t)))]
