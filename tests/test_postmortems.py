"""Post-mortems end to end: drafted at resolution from the timeline (golden files in English and Korean),
uploaded through Slack's external upload flow, regenerated, published, reminded and escalated when late."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.policy.loader import load_policy
from storage.models import ScheduledJob
from storage.postmortems_models import Postmortem
from tests.conftest import AppFactory, Harness, MutableClock

GOLDEN = Path(__file__).parent / "golden"
START = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)  # 09:00 in Seoul


def golden(name: str, text: str) -> None:
    """Compare with the golden file; FIREBELL_UPDATE_GOLDEN=1 writes it instead."""
    path = GOLDEN / name
    if os.environ.get("FIREBELL_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


async def resolved_incident(app: Harness) -> str:
    """A P1 with a page, an acknowledgement, a mitigation, an action item and a resolution."""
    await app.command("declare P1 Checkout is down")
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    await app.tick(minutes=3)  # tier 1 paged at 2 minutes
    app.clock.advance(minutes=1)
    await app.command("ack", user="UONCALL1", channel=channel["id"])
    app.clock.advance(minutes=16)
    await app.command("mitigate", user="UONCALL1", channel=channel["id"])
    await app.command("action add <@UBOB> 2026-11-27 Add an alert on checkout 5xx", channel=channel["id"])
    app.clock.advance(minutes=25)
    await app.command("resolve Rolled back the release", channel=channel["id"])
    return str(channel["id"])


def shared_document(app: Harness, channel: str, revision: int = 1) -> str:
    files = [f for f in app.slack.shared_files(channel) if f.filename.endswith(f"-r{revision}.md")]
    assert len(files) == 1, [f.filename for f in app.slack.shared_files(channel)]
    assert files[0].content is not None
    return files[0].content.decode()


@pytest.mark.parametrize("locale", ["en", "ko"])
async def test_draft_on_resolve_matches_golden_file(make_harness: AppFactory, locale: str) -> None:
    app = await make_harness(locale=locale, clock=MutableClock(START))
    channel = await resolved_incident(app)
    document = shared_document(app, channel)
    golden(f"postmortem_{locale}.md", document)
    upload = app.slack.calls_to("files.getUploadURLExternal")
    assert upload and upload[0]["filename"] == "postmortem-incident-1-r1.md"
    assert app.slack.calls_to("files.completeUploadExternal")[0]["channel_id"] == channel
    async with app.firebell.services.sessions() as session:
        row = (await session.execute(select(Postmortem))).scalar_one()
    assert row.status == "draft" and row.file_id is not None


async def test_export_matches_upload_and_regenerate_adds_revision(make_harness: AppFactory) -> None:
    app = await make_harness(clock=MutableClock(START))
    channel = await resolved_incident(app)
    followups = app.firebell.services.followups
    assert followups is not None
    assert await followups.postmortems.document(1) == shared_document(app, channel)
    await app.command("postmortem", channel=channel)
    assert "revision 2" in app.last_response()
    second = shared_document(app, channel, revision=2)
    assert "post-mortem drafted (revision 1)" in second


async def test_multi_day_timeline_carries_dates(make_harness: AppFactory) -> None:
    app = await make_harness(clock=MutableClock(datetime(2026, 11, 20, 14, 50, tzinfo=UTC)))  # 23:50 Seoul
    await app.command("declare P2 Night batch stuck")
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    app.clock.advance(minutes=30)
    await app.command("resolve", channel=channel["id"])
    document = shared_document(app, channel["id"])
    assert "- 2026-11-20 23:50 – @UALICE declared it" in document
    assert "- 2026-11-21 00:20 – @UALICE resolved it" in document


async def test_review_publish_and_bad_links(app: Harness) -> None:
    await app.command("declare P2 Slow search")
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    await app.command("postmortem", channel=channel["id"])
    assert "not resolved yet" in app.last_response()
    await app.command("resolve", channel=channel["id"])
    response = await app.command("postmortem done not-a-link", channel=channel["id"])
    assert "is not a link" in await app.answer(response)
    response = await app.command("postmortem done", channel=channel["id"])
    assert "Give the link" in await app.answer(response)
    await app.command("postmortem review 1")
    assert "in review" in app.last_response()
    await app.command("postmortem done 1 <https://wiki.example.com/pm/1>")
    assert "https://wiki.example.com/pm/1" in app.last_response()
    async with app.firebell.services.sessions() as session:
        row = (await session.execute(select(Postmortem))).scalar_one()
        timers = (await session.execute(
            select(ScheduledJob.state).where(ScheduledJob.kind.like("postmortem%")))).scalars().all()
    assert row.status == "published" and row.link == "https://wiki.example.com/pm/1"
    assert timers and all(state == "cancelled" for state in timers)
    response = await app.command("postmortem 99")
    assert "#99" in await app.answer(response)


async def test_reminder_then_manager_tier_when_overdue(make_harness: AppFactory) -> None:
    app = await make_harness(clock=MutableClock(START))
    await app.command("declare P2 Slow search")
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    await app.command("resolve", channel=channel["id"])
    # 48 h due, reminded 4 h before: nothing yet at 43 h.
    await app.tick(hours=43)
    assert not [m for m in app.slack.dms_to("UALICE") if "post-mortem" in (m.text or "")]
    await app.tick(hours=1, minutes=1)
    reminders = [m for m in app.slack.dms_to("UALICE") if "post-mortem of incident #1" in (m.text or "")]
    assert len(reminders) == 1 and "is due" in (reminders[0].text or "")
    assert not app.slack.dms_to("UMANAGER")
    await app.tick(hours=4)
    overdue = app.slack.dms_to("UMANAGER")
    assert len(overdue) == 1 and "overdue" in (overdue[0].text or "")
    await app.tick(hours=4)
    assert len(app.slack.dms_to("UMANAGER")) == 1  # once


def test_shipped_policy_has_no_48h_checklist_line_and_due_per_severity() -> None:
    shipped = Path(__file__).resolve().parents[1] / "bot" / "policy" / "shipped"
    for path in (None, shipped / "example.en.yml", shipped / "example.ko.yml"):
        policy = load_policy(str(path) if path else None)
        lines = [item.text for template in policy.checklists.values() for item in template.items]
        assert not any("48" in line for line in lines), path
        assert set(policy.reports.schedules) == {"daily", "weekly", "monthly_sla"}
    policy = load_policy(None)
    assert policy.postmortems.due_for("P0").total_seconds() == 48 * 3600
    assert policy.postmortems.heading("ko", "root_cause") == "근본 원인"
