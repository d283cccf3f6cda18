"""Action items: added in the incident channel, listed anywhere, reminded the day before, an overdue DM,
closed by their owner; bad input answered specifically."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from storage.models import ScheduledJob
from tests.conftest import AppFactory, Harness, MutableClock

START = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)  # 09:00 in Seoul


async def incident_channel(app: Harness) -> str:
    await app.command("declare P2 Slow search")
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    return str(channel["id"])


async def test_add_list_remind_overdue_and_done(make_harness: AppFactory) -> None:
    app = await make_harness(clock=MutableClock(START))
    channel = await incident_channel(app)
    await app.command("action add <@UBOB> 2026-11-22 Add a search latency alert", channel=channel)
    assert "Action item 1 for <@UBOB>" in app.last_response()
    assert any("Add a search latency alert" in (m.text or "") for m in app.slack.posts_in(channel))
    await app.command("actions mine", user="UBOB")
    assert "`1` Add a search latency alert" in app.last_response()
    await app.command("actions overdue")
    assert "None." in app.last_response()
    # Due at the end of 22 Nov in Seoul (14:59 UTC); reminded a day before.
    await app.tick(hours=37)
    assert not app.slack.dms_to("UBOB")
    await app.tick(hours=2)
    assert len(app.slack.dms_to("UBOB")) == 1 and "is due" in (app.slack.dms_to("UBOB")[0].text or "")
    await app.tick(hours=24)
    dms = app.slack.dms_to("UBOB")
    assert len(dms) == 2 and "overdue" in (dms[1].text or "")
    await app.command("actions overdue")
    assert "`1`" in app.last_response()
    await app.command("action done 1", user="UCAROL")
    assert "Only <@UBOB>" in app.last_response()
    await app.command("action done 1", user="UBOB")
    assert "Action item 1 is done" in app.last_response()
    await app.command("action done 1", user="UBOB")
    assert "was done already" in app.last_response()


async def test_done_cancels_reminders(make_harness: AppFactory) -> None:
    app = await make_harness(clock=MutableClock(START))
    channel = await incident_channel(app)
    await app.command("action add <@UBOB> 3d Write the runbook", channel=channel)
    await app.command("action done 1", user="UBOB")
    async with app.firebell.services.sessions() as session:
        states = (await session.execute(
            select(ScheduledJob.state).where(ScheduledJob.kind.like("action%")))).scalars().all()
    assert sorted(states) == ["cancelled", "cancelled"]
    await app.tick(days=4)
    assert not app.slack.dms_to("UBOB")


async def test_bad_input_gets_specific_answers(make_harness: AppFactory) -> None:
    app = await make_harness(clock=MutableClock(START))
    channel = await incident_channel(app)
    cases = {
        "action add bob 3d text": "is not a person",
        "action add <!here> 3d text": "is not a person",
        "action add <@UBOB> someday text": "is not a due date",
        "action add <@UBOB> 2026-02-30 text": "is not a due date",
        "action add <@UBOB> 2026-11-01 text": "has passed already",
        "action add <@UBOB> 3d": "Say what is to be done",
        "action done x": "is not an action item number",
        "action done 42": "There is no action item 42",
        "actions everything": "is not a filter",
    }
    for text, expected in cases.items():
        response = await app.command(text, channel=channel)
        assert expected in await app.answer(response), text
    response = await app.command("action add <@UBOB> 3d outside")  # not in an incident channel
    assert "incident" in (await app.answer(response)).lower()


async def test_korean_answers(make_harness: AppFactory) -> None:
    app = await make_harness(locale="ko", clock=MutableClock(START))
    channel = await incident_channel(app)
    response = await app.command("action add bob 3d text", channel=channel)
    assert "사람이 아닙니다" in await app.answer(response)
    await app.command("action add <@UBOB> 내일 점검", channel=channel)
    assert "후속 조치 1" in app.last_response()
