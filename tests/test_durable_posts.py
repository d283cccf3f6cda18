"""What checklists, reminders, maintenance and on-call owe Slack is delivered once, whatever happens on the way:
Slack down, a timer fired twice, a failing user-group sync, rate limits on a live message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from bot.scheduling.timers import CLAIMED, DONE
from bot.slack import ids
from storage.models import ChecklistRun, Delivery, ScheduledJob
from tests.conftest import Harness, MutableClock

SEOUL = ZoneInfo("Asia/Seoul")

POLICY = """
timezone: Asia/Seoul
severities:
  - {id: P2, name: {en: Minor, ko: 경미}, ack_within: 1h, resolve_within: 1d, checklist: morning}
channels: {ops: COPS}
permissions:
  override: [UKIM, ULEE]
rotations:
  l1:
    usergroup: SONCALL
    layers:
      - {name: day, members: [UKIM, ULEE], shift: 1d, handoff_time: "09:00", start: 2026-01-05}
checklists:
  morning:
    title: Morning check
    items: [{text: Night alerts reviewed, owner: UOWNER}, {text: Dashboards green}]
  big:  # more than ten items: a button per item
    title: Monthly review
    items: [ITEMS]
reminders:
  standup: {cron: "55 8 * * *", text: Standup in five minutes}
maintenance:
  notice_before: 30m
  max_duration: 6h
""".replace("ITEMS", ", ".join(f"{{text: Item {n}}}" for n in range(1, 12)))


def seoul(*args: int) -> datetime:
    return datetime(*args, tzinfo=SEOUL).astimezone(UTC)  # type: ignore[misc]


async def durable_app(make_harness: Any, when: datetime) -> Harness:
    app = await make_harness(policy=POLICY, clock=MutableClock(when))
    app.slack.usergroups["SONCALL"] = ["USOMEONE"]
    return app


def texts(messages: list[Any], needle: str) -> list[Any]:
    return [m for m in messages if needle in (m.text or "")]


async def owe_everything_at_nine(app: Harness, *, slack_down: bool = False) -> int:
    """From Tuesday 08:00: a maintenance window whose notice is due 09:00, a checklist due 08:50, a
    reminder at 08:45, the 08:55 standup reminder and the 09:00 handoff UKIM → ULEE (five timers).
    Returns the checklist run's id."""
    services = app.firebell.services
    await app.command("schedule 09:30 1h Patch the database", command="/maintenance")
    if slack_down:
        app.slack.go_down(503)
    incident, _ = await services.incidents.declare(title="Slow checkout", severity="P2", declared_by="UALICE")
    await services.reminders.remind(incident, "45m", "look at the error budget", "UALICE")
    view = await services.checklists.start("morning", actor="UALICE", channel_id="COPS",
                                           due_at=app.clock.now() + timedelta(minutes=50))
    assert view is not None
    await app.settle()
    return view.run.id


async def test_slack_down_while_everything_falls_due_loses_nothing(make_harness: Any) -> None:
    app = await durable_app(make_harness, seoul(2026, 1, 6, 8, 0))
    slack = app.slack
    run_id = await owe_everything_at_nine(app, slack_down=True)
    announced = len(slack.messages)
    app.clock.current = seoul(2026, 1, 6, 9, 1)
    assert await app.tick() == 5
    assert len(slack.messages) == announced == 1, "Slack is down: nothing more got through"
    assert slack.calls_to("chat.postMessage"), "but it was tried"
    slack.come_back()
    for _ in range(4):
        await app.tick(seconds=90)  # past any backoff
    cops = slack.posts_in("COPS")
    checklist = [m for m in cops if m.blocks and m.blocks[0]["type"] == "header" and "Morning check" in str(m.blocks)]
    assert len(checklist) == 1, "the run's message, owed while Slack was down"
    overdue = texts(cops, "*Morning check* is overdue")
    assert len(overdue) == 1 and overdue[0].thread_ts == checklist[0].ts, "in the run's thread, once"
    assert len(texts(slack.dms_to("UOWNER"), "Night alerts reviewed")) == 1
    assert len(texts(slack.dms_to("UALICE"), "look at the error budget")) == 1
    assert len(texts(cops, "Standup in five minutes")) == 1
    assert len(texts(cops, "*Patch the database* starts")) == 1
    assert len(texts(cops, "Patch the database")) == 2, "scheduled, then the notice"
    assert len(texts(slack.dms_to("UKIM"), "*l1* handoff")) == 1
    assert len(texts(slack.dms_to("ULEE"), "*l1* handoff")) == 1
    assert len(texts(cops, "*l1* handoff")) == 1
    assert slack.usergroups["SONCALL"] == ["ULEE"]
    async with app.firebell.services.sessions() as session:
        states = {d.key: d.state for d in (await session.execute(select(Delivery))).scalars()}
        run = await session.get(ChecklistRun, run_id)
    assert set(states.values()) == {"sent"}, states
    assert run is not None and run.message_ts == checklist[0].ts


async def test_a_timer_fired_twice_posts_once(make_harness: Any) -> None:
    app = await durable_app(make_harness, seoul(2026, 1, 6, 8, 0))
    await owe_everything_at_nine(app)
    app.clock.current = seoul(2026, 1, 6, 9, 1)
    await app.tick()
    before = {key: (m.text, m.thread_ts) for key, m in app.slack.messages.items()}
    posts, syncs = len(app.slack.calls_to("chat.postMessage")), len(app.slack.calls_to("usergroups.users.update"))
    assert texts(list(app.slack.messages.values()), "*l1* handoff") and posts >= 9
    # Every job fired so far "was never marked done": its process died and its lease ran out.
    async with app.firebell.services.sessions.begin() as session:
        refire = await session.execute(
            update(ScheduledJob).where(ScheduledJob.state == DONE)
            .values(state=CLAIMED, claimed_by="dead-process", lease_until=app.clock.now() - timedelta(seconds=1))
        )
    assert refire.rowcount == 5  # type: ignore[attr-defined]
    assert await app.tick(seconds=1) == 5
    assert len(app.slack.calls_to("chat.postMessage")) == posts, "nothing was posted again"
    assert len(app.slack.calls_to("usergroups.users.update")) == syncs
    assert {key: (m.text, m.thread_ts) for key, m in app.slack.messages.items()} == before


async def retry_until_delivered(app: Harness) -> None:
    """Move past every backoff (up to a minute, with jitter) a few times, ticking each time."""
    for _ in range(6):
        await app.tick(seconds=95)


async def test_a_failing_user_group_sync_is_retried_and_ends_with_who_is_on_call(make_harness: Any) -> None:
    app = await durable_app(make_harness, seoul(2026, 1, 6, 8, 59))
    syncs = app.slack.calls_to
    # More failures than the client retries in place: the delivery goes back to the outbox at least once.
    app.slack.fail("usergroups.users.update", "service_unavailable", status=503, times=3)
    await app.tick(minutes=1)  # the 09:00 handoff: UKIM → ULEE
    assert app.slack.usergroups["SONCALL"] == ["USOMEONE"], "the sync failed"
    assert len(texts(app.slack.dms_to("ULEE"), "*l1* handoff")) == 1, "the rest of the handoff went out"
    await retry_until_delivered(app)
    assert app.slack.usergroups["SONCALL"] == ["ULEE"]
    assert len(syncs("usergroups.users.update")) == 3 + 1
    # Latest state wins: an override starts (its handoff's sync fails), then is removed; the one sync
    # that gets through sets whoever is on call by then.
    app.slack.fail("usergroups.users.update", "service_unavailable", status=503, times=3)
    await app.command("override l1 <@UKIM> 2h", command="/oncall", user="ULEE")
    await app.tick()  # the override's start is a handoff: ULEE → UKIM
    assert len(texts(app.slack.dms_to("UKIM"), "*l1* handoff: <@ULEE> → <@UKIM>")) == 1
    assert app.slack.usergroups["SONCALL"] == ["ULEE"], "that sync failed"
    await app.command("override remove 1", command="/oncall", user="ULEE")
    await retry_until_delivered(app)
    assert app.slack.usergroups["SONCALL"] == ["ULEE"]
    assert len(syncs("usergroups.users.update")) == 4 + 3 + 1, "both changes went out as one sync"


async def test_live_checklist_message_ends_in_the_final_state_under_rate_limits(make_harness: Any) -> None:
    app = await durable_app(make_harness, seoul(2026, 1, 6, 10, 0))
    await app.command("start big", command="/checklist", channel="COPS")
    message = next(m for m in app.slack.posts_in("COPS") if m.blocks and m.blocks[0]["type"] == "header")
    # Rate-limited for longer than the client retries in place.
    app.slack.fail("chat.update", "ratelimited", status=429, retry_after=1, times=4)
    changes = [(0, "done"), (1, "done"), (2, "done"), (1, "open"), (3, "done"), (4, "done"), (5, "done"),
               (6, "done"), (0, "open")]
    for index, state in changes:
        await app.click(f"{ids.CHECKLIST_ITEM}:{index}", f"1:{index}:{state}", channel="COPS",
                        message_ts=message.ts)
    assert "*0/11* done" in str(message.blocks), "nothing got through yet"
    await retry_until_delivered(app)
    assert len(app.slack.calls_to("chat.update")) == 4 + 1 < len(changes), "refused four times, then one update"
    final = str(message.blocks)
    assert "*5/11* done" in final
    assert final.count(":white_check_mark:") == 5
    view = await app.firebell.services.checklists.view(1)
    assert [s.item_index for s in view.states if s.state == "done"] == [2, 3, 4, 5, 6]


async def test_incident_work_ends_with_the_incident(make_harness: Any) -> None:
    app = await durable_app(make_harness, seoul(2026, 1, 6, 10, 0))
    services = app.firebell.services
    incident, _ = await services.incidents.declare(title="Ends early", severity="P2", declared_by="UALICE")
    await services.reminders.remind(incident, "30m", "check again", "UALICE")
    view = await services.checklists.start("morning", actor="UALICE", channel_id="COPS", incident_id=incident.id,
                                           due_at=app.clock.now() + timedelta(minutes=20))
    other = await services.checklists.start("morning", actor="UALICE", channel_id="COPS",
                                            due_at=app.clock.now() + timedelta(minutes=20))
    assert view is not None and other is not None
    await app.settle()
    async with services.sessions.begin() as session:
        assert await services.checklists.end_for_incident(incident.id, session=session) == 1
        assert await services.reminders.cancel_for_incident(incident.id, session=session) == 1
    await app.tick(hours=1)
    assert not texts(app.slack.dms_to("UALICE"), "check again"), "its reminder was cancelled"
    overdue = texts(app.slack.posts_in("COPS"), "is overdue")
    assert len(overdue) == 1, "only the run outside the incident is overdue"
    closed = (await services.checklists.view(view.run.id)).run
    assert closed.state == "closed"
    message = next(m for m in app.slack.posts_in("COPS") if m.ts == closed.message_ts)
    assert f"closed unfinished with incident #{incident.id}" in str(message.blocks)
    await app.click(f"{ids.CHECKLIST_ITEM}:0", f"{view.run.id}:0:done", channel="COPS")
    assert "is closed; nothing was changed" in app.last_response()
    async with services.sessions.begin() as session:
        assert await services.checklists.end_for_incident(incident.id, session=session) == 0


async def test_resolving_an_incident_closes_its_checklist_and_cancels_its_reminders(make_harness: Any) -> None:
    app = await durable_app(make_harness, seoul(2026, 1, 6, 10, 0))
    await app.command("declare P2 Resolved early", user="UCMDR")
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    await app.command("remind 30m check the error rate", channel=channel["id"], user="UCMDR")
    await app.command("resolve fixed", channel=channel["id"], user="UCMDR")
    await app.tick(days=2)  # past the reminder and the checklist's due time (the resolve target)
    posts = app.slack.posts_in(channel["id"])
    assert not texts(posts, "check the error rate") and not texts(posts, "is overdue")
    assert not app.slack.dms_to("UOWNER")
    async with app.firebell.services.sessions() as session:
        run = (await session.execute(select(ChecklistRun))).scalar_one()
    assert (run.incident_id, run.state) == (1, "closed")
    message = next(m for m in posts if m.ts == run.message_ts)
    assert "closed unfinished with incident #1" in str(message.blocks)
