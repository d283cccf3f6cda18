"""Pages and incident messages go through the outbox (bot/slack/outbox.py) and reach Slack once, on time where
Slack lets them: through a Slack outage while tiers fall due, rate limits on a burst of incidents, a firing that
runs twice, an answer that never came back, and two processes sharing one database."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from sqlalchemy import select, update

from bot.escalation.paging import DELAY_WORTH_TELLING
from bot.scheduling.timers import CLAIMED, Firing
from bot.slack import ids
from storage.models import Delivery, Incident, Page, ScheduledJob, TimelineEntry
from tests.conftest import Harness, MutableClock

DELAYED = "Slack could not be reached, so these pages went out late"


# --- helpers ----------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def seeded_jitter() -> Iterator[None]:
    """The outbox's backoff jitter (and the client's) draw from `random`: seeded, so figures repeat."""
    state = random.getstate()
    random.seed(20260106)
    yield
    random.setstate(state)


async def rows(app: Harness, model: Any) -> list[Any]:
    async with app.firebell.services.sessions() as session:
        return list((await session.execute(select(model).order_by(model.id))).scalars())


async def job(app: Harness, dedupe_key: str) -> ScheduledJob:
    async with app.firebell.services.sessions() as session:
        found = (await session.execute(select(ScheduledJob).where(ScheduledJob.dedupe_key == dedupe_key))).scalar_one()
    return found


async def open_deliveries(app: Harness) -> list[Delivery]:
    return [d for d in await rows(app, Delivery) if d.state in ("pending", "sending")]


async def tick_until_idle(app: Harness, *, step: float, rounds: int) -> int:
    """Tick `step` seconds of clock at a time until no delivery is owed any more; returns the ticks it took."""
    for n in range(1, rounds + 1):
        await app.tick(seconds=step)
        if not await open_deliveries(app):
            return n
    owed = [(d.key, d.last_error) for d in await open_deliveries(app)]
    raise AssertionError(f"still owed after {rounds} ticks: {owed}")


class _RateLimitRetryNow(AsyncRateLimitErrorRetryHandler):
    async def prepare_for_next_attempt_async(self, *, state: Any, **_: Any) -> None:
        state.next_attempt_requested = True
        state.increment_current_attempt()


def quick_retries_in_place(app: Harness) -> None:
    """The client's few in-place retries (a 5xx, a dropped connection, a 429) without their real-time
    waits: the same attempts, so minutes of trouble on the hand-moved clock take seconds of wall time."""
    services = app.firebell.services
    clients = {id(c): c for c in (services.client, getattr(services.outbox.notifier, "client", None)) if c}
    for client in clients.values():
        # The client may wrap its handlers (to count retries); the waits are the inner handlers'.
        handlers = [getattr(h, "inner", h) for h in client.retry_handlers]
        for handler in handlers:
            handler.interval_calculator = FixedValueRetryIntervalCalculator(0.0)
        client.retry_handlers = [
            _RateLimitRetryNow(max_retry_count=h.max_retry_count) if isinstance(h, AsyncRateLimitErrorRetryHandler)
            else h for h in handlers]


def texts_in(app: Harness, channel: str, needle: str) -> list[str]:
    return [m.text or "" for m in app.slack.posts_in(channel) if needle in (m.text or "")]


def incident_channel(app: Harness, number: int = 1) -> str:
    channel = app.slack.channel_by_name_prefix(f"inc-{number}-")
    assert channel is not None
    return str(channel["id"])


async def expire_claim(app: Harness, job_id: int) -> None:
    """The job's firing "was never marked done": its process died and its lease ran out."""
    async with app.firebell.services.sessions.begin() as session:
        reset = await session.execute(
            update(ScheduledJob).where(ScheduledJob.id == job_id)
            .values(state=CLAIMED, claimed_by="dead-process", lease_until=app.clock.now() - timedelta(seconds=1)))
    assert reset.rowcount == 1  # type: ignore[attr-defined]


# --- 1. Slack down while tiers fall due ---------------------------------------------------------------------


async def test_pages_owed_during_a_slack_outage_keep_their_tier_times_and_go_out_once(app: Harness) -> None:
    slack = app.slack
    await app.command("declare P1 Payments failing")  # commander UALICE; P1: ack 2m, tiers wait 1m, 2m
    channel = incident_channel(app)
    declared = app.clock.now()
    quick_retries_in_place(app)
    slack.go_down(503)
    down_at = len(slack.calls)
    # Tier 1 falls due at +2m, tier 2 at +3m; Slack stays down until half a minute after that.
    for _ in range(21):
        await app.tick(seconds=10)
    assert app.clock.now() == declared + timedelta(seconds=210)
    tier1 = await job(app, "incident:1:declare:escalate")
    tier2 = await job(app, f"job:{tier1.id}:next")
    tier3 = await job(app, f"job:{tier2.id}:next")
    assert tier1.fired_at == declared + timedelta(minutes=2)
    assert tier2.due_at == tier1.fired_at + timedelta(minutes=1), "tier 2 kept its clock through the outage"
    assert (tier2.state, tier2.fired_at) == ("done", tier2.due_at)
    assert tier3.due_at == tier2.fired_at + timedelta(minutes=2) and tier3.state == "pending"
    assert len(slack.calls) > down_at and not slack.dms_to("UONCALL1"), "tried, and nothing got through"
    assert {p.status for p in await rows(app, Page)} == {"queued"}
    assert not [d for d in await rows(app, Delivery) if d.state == "failed"], "nothing recorded as failed"
    assert not [e for e in await rows(app, TimelineEntry) if e.kind == "page_failed"]

    slack.come_back()
    took = await tick_until_idle(app, step=5, rounds=30)
    assert app.clock.now() < tier3.due_at, "all delivered before tier 3 was due"
    for person in ("UONCALL1", "ULEAD1", "ULEAD2"):
        dms = [m for m in slack.dms_to(person) if "Payments failing" in (m.text or "")]
        assert len(dms) == 1, f"{person} paged once"
    assert len(texts_in(app, channel, "Paging L1 on-call")) == 1
    assert len(texts_in(app, channel, "Paging L2 leads")) == 1
    told = [m.text or "" for m in slack.dms_to("UALICE") if DELAYED in (m.text or "")]
    assert len(told) == 1, told
    pages = [p for p in await rows(app, Page) if p.via != "group"]
    assert [(p.target, p.tier, p.via, p.status) for p in pages] == [
        ("UONCALL1", 1, "dm", "sent"), ("incident channel", 1, "mention", "sent"),
        ("incident channel", 2, "mention", "sent"), ("ULEAD1", 2, "dm", "sent"), ("ULEAD2", 2, "dm", "sent")]
    groups = [(p.target, p.status) for p in await rows(app, Page) if p.via == "group"]
    assert groups == [("SLEADS", "expanded")], "listed once Slack answered; its members paged then"
    assert all(p.delayed_seconds and p.delayed_seconds > DELAY_WORTH_TELLING.total_seconds() and p.delay_told
               for p in pages), [(p.target, p.delayed_seconds, p.delay_told) for p in pages]
    for person in ("UONCALL1", "ULEAD1", "ULEAD2"):
        assert f"<@{person}>" in told[0]
    delays = {p.target: p.delayed_seconds for p in pages}
    print(f"\noutage: delivered {took} ticks (of 5 s) after Slack came back; delays {delays}; told: {told[0]}")
    assert {d.state for d in await rows(app, Delivery)} == {"sent"}


# --- 2. Rate limits during a burst --------------------------------------------------------------------------


async def test_a_burst_of_declares_and_acks_under_rate_limits_ends_complete(app: Harness) -> None:
    slack = app.slack
    started = time.monotonic()
    count = 50
    # Bolt checks its token once (auth.test) and remembers it: done before the rate limits start, as a
    # running Firebell has, so no command is refused with "Please install this app" (Bolt's answer when
    # auth.test itself is rate limited; see the report).
    await app.command("help")
    quick_retries_in_place(app)
    slack.flaky((0.3, 429), (0.05, 500))
    declarers = [f"UDECL{n:02d}" for n in range(count)]
    responses = await asyncio.gather(*(app.command(f"declare P1 Burst number {n}", user=user, settle=False)
                                       for n, user in enumerate(declarers)))
    assert {r.status for r in responses} == {200}
    answers = [(await r.json())["text"] for r in responses]
    assert all("Declaring" in text for text in answers), "each acknowledged, none refused"
    await app.settle(timeout=60)
    async with app.firebell.services.sessions() as session:
        incidents = list((await session.execute(select(Incident).order_by(Incident.id))).scalars())
    assert len(incidents) == count
    acks = await asyncio.gather(*(app.command(f"ack {i.id}", user="UBOB", settle=False) for i in incidents))
    assert {r.status for r in acks} == {200}
    await app.settle(timeout=60)
    took = await tick_until_idle(app, step=5, rounds=60)
    slack.flaky()

    assert not [d for d in await rows(app, Delivery) if d.state == "failed"]
    async with app.firebell.services.sessions() as session:
        incidents = list((await session.execute(select(Incident).order_by(Incident.id))).scalars())
    for incident in incidents:
        title = incident.title
        assert incident.status == "acknowledged", title
        assert incident.channel_id is not None, title
        channel = slack.channels[incident.channel_id]
        assert incident.declared_by in channel["members"], title
        assert channel["topic"] == f"P1 Major | acknowledged | {title}"
        summary = slack.messages[(incident.channel_id, str(incident.summary_ts))]
        feed = slack.messages[("CFEED", str(incident.feed_ts))]
        for live in (summary, feed):
            shown = str(live.blocks)
            assert "*Status*\\nacknowledged" in shown and "*Acknowledged*" in shown and "by <@UBOB>" in shown, title
            assert ids.ACK not in shown, title
        assert f"<#{incident.channel_id}>" in str(feed.blocks), "the feed post links to the channel"
        assert len(slack.posts_in(incident.channel_id)) == 2, "the live summary and the acknowledgement"
    feed_keys = [(m.metadata or {}).get("event_payload", {}).get("key") for m in slack.posts_in("CFEED")]
    assert sorted(feed_keys) == sorted(f"feed:incident {i.id}" for i in incidents), "one feed post each"
    calls = Counter(name for name, _ in slack.calls)
    edits = sum(len(m.history) for m in slack.messages.values())
    print(f"\nburst: {dict(calls)}; {edits} edits took effect; idle after {took} ticks; "
          f"{time.monotonic() - started:.1f} s")


# --- 3. A firing that runs twice ----------------------------------------------------------------------------


async def test_a_retried_escalation_firing_pages_nobody_twice_and_keeps_the_next_tier_time(app: Harness) -> None:
    await app.command("declare P1 Fired twice")
    await app.tick(seconds=120)  # tier 1
    tier1 = await job(app, "incident:1:declare:escalate")
    fired = tier1.fired_at
    assert fired is not None and len(app.slack.dms_to("UONCALL1")) == 1
    await app.tick(seconds=20)
    await expire_claim(app, tier1.id)
    assert await app.tick(seconds=1) == 1, "the same job fires again"
    tier2 = await job(app, f"job:{tier1.id}:next")
    assert (tier2.state, tier2.due_at) == ("pending", fired + timedelta(minutes=1)), "not brought forward"
    assert len(app.slack.dms_to("UONCALL1")) == 1
    await app.tick(seconds=38)
    assert not app.slack.dms_to("ULEAD1"), "tier 2 is not paged early"
    await app.tick(seconds=1)
    assert len(app.slack.dms_to("ULEAD1")) == len(app.slack.dms_to("ULEAD2")) == 1
    # Once more, after tier 2 went out: still nothing new, and the incident still says tier 2.
    await expire_claim(app, tier1.id)
    assert await app.tick(seconds=1) == 1
    tier3 = await job(app, f"job:{tier2.id}:next")
    assert tier3.due_at == tier2.due_at + timedelta(minutes=2)
    channel = incident_channel(app)
    assert len(app.slack.dms_to("UONCALL1")) == len(app.slack.dms_to("ULEAD1")) == 1
    assert len(texts_in(app, channel, "Paging L1 on-call")) == 1
    assert len(texts_in(app, channel, "Paging L2 leads")) == 1
    incident = (await rows(app, Incident))[0]
    assert incident.escalation_level == 2
    keys = [p.idempotency_key for p in await rows(app, Page)]
    assert len(keys) == len(set(keys)) == 5


# --- 4. A lost answer ---------------------------------------------------------------------------------------


async def test_a_page_whose_answer_was_lost_is_looked_up_not_sent_again(app: Harness) -> None:
    await app.command("declare P1 Lost answer")
    quick_retries_in_place(app)
    await app.tick(seconds=119)
    app.slack.lose_answers["chat.postMessage"] += 1
    await app.tick(seconds=1)  # tier 1: Slack shows the DM, Firebell never hears back
    assert app.slack.lose_answers["chat.postMessage"] == 0, "the answer was lost"
    for _ in range(4):
        await app.tick(seconds=30)
    dms = app.slack.dms_to("UONCALL1")
    assert len(dms) == 1, [m.text for m in dms]
    delivery = next(d for d in await rows(app, Delivery) if d.key == "page:job:1:UONCALL1:dm")
    assert delivery.state == "sent"
    assert app.slack.calls_to("conversations.history"), "looked in Slack before sending again"
    assert {p.status for p in await rows(app, Page)} == {"sent"}


async def test_a_page_sent_before_its_record_failed_is_looked_up_not_sent_again(
        app: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """Slack took the DM, then settling it with its ts failed (the database): the retry looks before sending."""
    from storage.repositories import outbox as delivery_rows

    await app.command("declare P1 Record fails")
    await app.tick(seconds=119)
    original, failed = delivery_rows.settle_sent, []

    async def settle_fails_once(delivery_id: int, **kwargs: Any) -> bool:
        if "ts" in (kwargs.get("progress") or {}) and not failed:
            row = await kwargs["session"].get(Delivery, delivery_id)
            if row is not None and row.kind == "page":
                failed.append(kwargs["progress"])
                raise TimeoutError("no turn to write to the database")
        return await original(delivery_id, **kwargs)

    monkeypatch.setattr(delivery_rows, "settle_sent", settle_fails_once)
    await app.tick(seconds=1)  # tier 1: the DM is posted, recording it fails
    assert failed, "the record failed after the post"
    for _ in range(4):
        await app.tick(seconds=30)
    assert len(app.slack.dms_to("UONCALL1")) == 1
    delivery = next(d for d in await rows(app, Delivery) if d.key == "page:job:1:UONCALL1:dm")
    assert delivery.state == "sent"


# --- 5. Permanent failures advance the tier, transient ones don't ------------------------------------------

UNREACHABLE_TIER = """
timezone: Asia/Seoul
severities:
  - {id: P1, name: {en: Major, ko: 중대}, ack_within: 1m, resolve_within: 1h, escalation: main}
escalation_policies:
  main:
    tiers:
      - {name: L1, users: [UGONE], notify: [dm], wait: 5m}
      - {name: L2, users: [ULEAD1], notify: [dm], wait: 5m}
"""


async def test_a_tier_nobody_can_ever_reach_brings_the_next_tier_forward(make_harness: Any) -> None:
    app = await make_harness(policy=UNREACHABLE_TIER)
    await app.command("declare P1 Nobody home")
    await app.tick(minutes=1)  # tier 1: UGONE → user_not_found
    tier1 = await job(app, "incident:1:declare:escalate")
    tier2 = await job(app, f"job:{tier1.id}:next")
    assert tier2.due_at == tier1.fired_at, "brought forward to now"
    assert [(p.target, p.status, p.reason) for p in await rows(app, Page)] == [("UGONE", "failed", "user_not_found")]
    await app.tick()  # no time passes
    assert len(app.slack.dms_to("ULEAD1")) == 1


async def test_the_same_tier_during_an_outage_keeps_the_next_tier_time(make_harness: Any) -> None:
    app = await make_harness(policy=UNREACHABLE_TIER)
    await app.command("declare P1 Nobody home, Slack down")
    quick_retries_in_place(app)
    app.slack.go_down(503)
    await app.tick(minutes=1)  # tier 1: 503
    tier1 = await job(app, "incident:1:declare:escalate")
    tier2 = await job(app, f"job:{tier1.id}:next")
    assert tier2.due_at == tier1.fired_at + timedelta(minutes=5)
    for _ in range(4):
        await app.tick(seconds=30)
    assert (await job(app, tier2.dedupe_key or "")).due_at == tier2.due_at, "kept through two minutes of 503"
    assert [(p.target, p.status) for p in await rows(app, Page)] == [("UGONE", "queued")]
    assert not app.slack.dms_to("ULEAD1")
    # Slack answers again, and now says the user does not exist: that brings tier 2 forward.
    app.slack.come_back()
    for _ in range(8):  # past the backoff (at most 48 s after two minutes of 503), still before tier 2's time
        await app.tick(seconds=10)
    assert [(p.target, p.status, p.reason) for p in await rows(app, Page)] == [
        ("UGONE", "failed", "user_not_found"), ("ULEAD1", "sent", None)]
    assert len(app.slack.dms_to("ULEAD1")) == 1
    fired = (await job(app, tier2.dedupe_key or "")).fired_at
    assert fired is not None and fired < tier2.due_at, "brought forward once Slack said the user does not exist"


TWO_UNREACHABLE = """
timezone: Asia/Seoul
severities:
  - {id: P1, name: {en: Major, ko: 중대}, ack_within: 1m, resolve_within: 1h, escalation: main}
escalation_policies:
  main:
    tiers:
      - {name: L1, users: [UGONE, UBOT2], notify: [dm], wait: 5m}
      - {name: L2, users: [ULEAD1], notify: [dm], wait: 5m}
"""


async def test_a_failure_found_after_the_commander_was_told_is_told_too(make_harness: Any) -> None:
    app = await make_harness(policy=TWO_UNREACHABLE)
    await app.command("declare P1 Two bad targets", user="UCMDR")
    quick_retries_in_place(app)
    # UGONE's page meets a 503 (three calls: the client retries twice in place) and goes back to the outbox;
    # UBOT2's fails for good at once, and the commander is told about that one.
    app.slack.fail("chat.postMessage", "service_unavailable", status=503, times=3)
    await app.tick(minutes=1)
    told = [m.text or "" for m in app.slack.dms_to("UCMDR")]
    assert len(told) == 1 and "UBOT2 (cannot_dm_bot)" in told[0] and "UGONE" not in told[0]
    await app.tick(seconds=30)  # UGONE's retry: user_not_found
    told = [m.text or "" for m in app.slack.dms_to("UCMDR")]
    assert len(told) == 2 and "UGONE (user_not_found)" in told[1], told
    await app.tick()
    assert len(app.slack.dms_to("ULEAD1")) == 1, "nobody in tier 1 can be reached: tier 2 now"


# --- 6. Two processes, a timer slower than its lease ----------------------------------------------------------

SEOUL = ZoneInfo("Asia/Seoul")

TWO_PROCESS_POLICY = """
timezone: Asia/Seoul
severities:
  - {id: P2, name: {en: Minor, ko: 경미}, ack_within: 1h, resolve_within: 1d}
channels: {ops: COPS}
reminders:
  standup: {cron: "55 8 * * *", text: Standup in five minutes}
  coffee: {cron: "58 8 * * *", text: Coffee is ready}
maintenance:
  notice_before: 30m
  max_duration: 6h
"""


async def test_two_processes_with_a_timer_slower_than_its_lease_post_each_reminder_once(
    make_harness: Any, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("two processes on one database: PostgreSQL only (SQLite serialises writers; set "
                    "FIREBELL_TEST_DATABASE_URL)")
    clock = MutableClock(datetime(2026, 1, 6, 8, 0, tzinfo=SEOUL).astimezone(UTC))
    first = await make_harness(policy=TWO_PROCESS_POLICY, clock=clock)
    second = await make_harness(policy=TWO_PROCESS_POLICY, clock=clock)
    services = first.firebell.services
    await first.command("schedule 09:30 1h Patch the database", command="/maintenance")
    incident, _ = await services.incidents.declare(title="Slow checkout", severity="P2", declared_by="UALICE")
    for minutes in (45, 50, 55, 59):
        await services.reminders.remind(incident, f"{minutes}m", f"check number {minutes}", "UALICE")
    await first.settle()
    slow_kinds = ("reminder", "recurring_reminder", "maintenance_notice")

    firings: Counter[int] = Counter()
    by_process: Counter[str] = Counter()
    second_started: dict[int, asyncio.Event] = {}
    lease = timedelta(seconds=1)

    def slow(name: str, handler: Any) -> Any:
        async def slowly(firing: Firing) -> str:
            firings[firing.id] += 1
            by_process[name] += 1
            started = second_started.setdefault(firing.id, asyncio.Event())
            if firings[firing.id] == 1:
                # The first firing outlasts its lease: the clock moves on until the other process takes the job.
                deadline = time.monotonic() + 5
                while not started.is_set() and time.monotonic() < deadline:
                    clock.advance(seconds=0.25)
                    await asyncio.sleep(0.05)
            else:
                started.set()
            await asyncio.sleep(0.1)
            return await handler(firing)
        return slowly

    for name, app in (("first", first), ("second", second)):
        timers = app.firebell.services.timers
        timers.lease = lease
        for kind in slow_kinds:
            timers.handlers[kind] = slow(name, timers.handlers[kind])

    clock.current = datetime(2026, 1, 6, 9, 1, tzinfo=SEOUL).astimezone(UTC)
    done = asyncio.Event()

    async def keep_ticking(app: Harness) -> None:
        while not done.is_set():
            await app.firebell.services.timers.tick()
            app.firebell.services.outbox.kick()
            await asyncio.sleep(0.02)

    async def until_fired() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            async with services.sessions() as session:
                open_jobs = (await session.execute(
                    select(ScheduledJob).where(ScheduledJob.kind.in_(slow_kinds),
                                               ScheduledJob.state.in_(("pending", "claimed")),
                                               ScheduledJob.due_at <= datetime(2026, 1, 6, 9, 1, tzinfo=SEOUL))
                )).scalars().all()
            if not open_jobs and not await open_deliveries(first):
                break
            await asyncio.sleep(0.1)
        done.set()

    started = time.monotonic()
    await asyncio.gather(keep_ticking(first), keep_ticking(second), until_fired())
    print(f"\ntwo processes: firings per job {dict(firings)}, per process {dict(by_process)}; "
          f"{time.monotonic() - started:.1f} s, clock moved {clock.now() - datetime(2026, 1, 6, 9, 1, tzinfo=SEOUL)}")
    await first.settle()
    await second.settle()
    fired_twice = [job_id for job_id, n in firings.items() if n >= 2]
    assert len(firings) == 7 and len(fired_twice) == 7, firings
    cops = first.slack.posts_in("COPS")
    for needle in ("Standup in five minutes", "Coffee is ready", "*Patch the database* starts"):
        assert len([m for m in cops if needle in (m.text or "")]) == 1, needle
    alice = first.slack.dms_to("UALICE")
    feed = first.slack.posts_in("CFEED")
    for minutes in (45, 50, 55, 59):
        posted = [m for m in alice + feed if f"check number {minutes}" in (m.text or "")]
        assert len(posted) == 1, minutes
    assert {d.state for d in await rows(first, Delivery)} == {"sent"}
    upcoming = [j for j in await rows(first, ScheduledJob) if j.kind == "recurring_reminder" and j.state == "pending"]
    assert len(upcoming) == 2, "each recurring reminder's next occurrence scheduled once"
