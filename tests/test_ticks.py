"""What a tick costs the rest of the bot: timer firings never wait for Slack; periodic chores; one HTTP
session; handoff summaries that list every open incident."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import func, select

from storage.models import Incident, ProcessedRequest
from storage.repositories import requests as request_rows
from tests.conftest import Harness, MutableClock
from tests.test_oncall import ONCALL_POLICY, seoul

SLACK_DELAY = 1.0


def slow_slack(app: Harness) -> None:
    """Every post the outbox makes takes SLACK_DELAY seconds (a slow or rate-limited Slack)."""
    notifier = app.firebell.services.outbox.notifier
    post = notifier.post

    async def slow_post(*args: Any, **kwargs: Any) -> str:
        await asyncio.sleep(SLACK_DELAY)
        return await post(*args, **kwargs)

    notifier.post = slow_post  # type: ignore[method-assign]


@pytest.mark.parametrize("due", ["escalation", "resolve_deadline", "update_nudge"])
async def test_timer_firings_owe_their_pages_and_do_not_wait_for_slack(app: Harness, due: str) -> None:
    await app.command("declare P0 Checkout down")  # P0: ack 1m, resolve 10m, updates every 5m
    slow_slack(app)
    target = {"escalation": "UONCALL1", "resolve_deadline": "UMANAGER", "update_nudge": "UALICE"}[due]
    before = len(app.slack.dms_to(target))
    if due == "escalation":
        app.clock.advance(minutes=1)
    else:
        await app.command("ack 1")  # no escalation in the way; the commander is UALICE
        app.clock.advance(minutes=10 if due == "resolve_deadline" else 5)
    started = time.perf_counter()
    fired = await app.firebell.services.timers.tick()
    elapsed = time.perf_counter() - started
    assert fired >= 1
    assert elapsed < SLACK_DELAY / 2, f"the tick waited {elapsed:.2f} s for Slack"
    assert len(app.slack.dms_to(target)) == before, "not delivered yet: Slack is slow"
    await app.settle()  # the outbox's background drain delivers them
    assert len(app.slack.dms_to(target)) == before + 1


async def test_old_request_ids_are_pruned_by_the_hourly_job(app: Harness) -> None:
    services = app.firebell.services
    now = app.clock.now()
    async with services.sessions.begin() as session:
        for key, age in (("old-1", timedelta(days=2)), ("old-2", timedelta(hours=25)),
                         ("recent", timedelta(hours=23)), ("new", timedelta(0))):
            assert await request_rows.claim_request(key, session=session, at=now - age)
    scheduler = AsyncIOScheduler(timezone="UTC")
    app.firebell.add_periodic_jobs(scheduler)
    job = scheduler.get_job("firebell-prune-requests")
    assert job is not None and job.trigger.interval == timedelta(hours=1)
    job.modify(next_run_time=datetime.now(UTC))  # the hour has come (APScheduler runs on the real clock)
    scheduler.start()
    try:
        async def keys() -> set[str]:
            async with services.sessions() as session:
                return set((await session.execute(select(ProcessedRequest.key))).scalars())

        deadline = time.monotonic() + 5
        while await keys() != {"recent", "new"}:
            assert time.monotonic() < deadline, f"not pruned: {await keys()}"
            await asyncio.sleep(0.05)
    finally:
        scheduler.shutdown(wait=False)


async def test_slack_calls_share_one_http_session(app: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    client = app.firebell.services.client
    shared = client.session
    assert isinstance(shared, aiohttp.ClientSession) and not shared.closed
    opened: list[object] = []
    original = aiohttp.ClientSession.__init__

    def counting(self: aiohttp.ClientSession, *args: Any, **kwargs: Any) -> None:
        opened.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(aiohttp.ClientSession, "__init__", counting)
    await app.command("declare P1 Search is slow")  # channel, posts, and the answer through response_url
    await app.command("status 1")
    await app.tick(minutes=2)  # a page
    assert app.slack.dms_to("UONCALL1") and app.slack.responses
    assert opened == [], "no session per call"
    monkeypatch.undo()
    await app.firebell.close()
    assert shared.closed, "closed with the app"


async def test_the_handoff_summary_lists_every_open_incident(make_harness: Any) -> None:
    clock = MutableClock(seoul(2026, 1, 5, 12, 0))
    app = await make_harness(policy=ONCALL_POLICY, clock=clock)
    app.slack.usergroups["SONCALL"] = ["USOMEONE"]
    async with app.firebell.services.sessions.begin() as session:
        session.add_all(
            Incident(title=f"Open problem {n}", severity="P2", status="acknowledged", declared_by="UALICE",
                     declared_at=clock.now())
            for n in range(1, 61)
        )
    async with app.firebell.services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Incident)) == 60
    clock.current = seoul(2026, 1, 6, 9, 0, 5)  # the 09:00 handoff UKIM → ULEE
    await app.tick()
    summary = [m.text or "" for m in app.slack.dms_to("ULEE") if "*l1* handoff" in (m.text or "")]
    assert len(summary) == 1
    listed = {n for n in range(1, 61) if f"#{n} " in summary[0]}
    assert listed == set(range(1, 61)), f"missing: {sorted(set(range(1, 61)) - listed)}"


async def test_the_running_app_fires_timers_from_its_wakeup_loop_and_stops_it_on_close(app: Harness) -> None:
    services = app.firebell.services
    fired = asyncio.Event()

    async def probe(firing: Any) -> str:
        fired.set()
        return "ok"

    services.timers.on("probe", probe)
    app.firebell.start_scheduler()
    loop = app.firebell.timer_loop
    assert loop is not None and loop.running
    assert {job.id for job in app.firebell.scheduler.get_jobs()} == {"firebell-beat",  # type: ignore[union-attr]
                                                                      "firebell-prune-requests"}
    await services.timers.schedule("probe", app.clock.now())
    await asyncio.wait_for(fired.wait(), 5)
    await app.firebell.close()
    assert not loop.running
