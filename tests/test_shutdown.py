"""SIGTERM: `firebell run` stops taking work, finishes what is in flight within its grace period, and gives
its claims back so another replica takes them at once (not after their 15-second lease)."""

from __future__ import annotations

import asyncio
import signal
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import update

from bot.slack.standin import FakeSlack
from storage.models import Delivery, ScheduledJob
from storage.repositories import claims
from storage.repositories import outbox as delivery_rows
from storage.repositories import timers as timer_rows
from tests.conftest import TEST_POLICY
from tests.replicas import Replica, eventually

LEASE = timedelta(seconds=15)


def feed_posts(slack: FakeSlack) -> list[str]:
    return [m.text or "" for m in slack.posts_in("CFEED") if m.thread_ts is None]


async def test_sigterm_finishes_requests_in_flight(slack: FakeSlack, tmp_path: Path, database_url: str) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(TEST_POLICY)
    replica = Replica("a", tmp_path, slack, database_url, policy, FIREBELL_SHUTDOWN_GRACE_SECONDS="15")
    slack.delays["chat.postMessage"] = 1.0  # Slack is slow: the declare's posts are still going out
    async with aiohttp.ClientSession() as http:
        await replica.start(http)
        assert await replica.command(http, "declare P1 Finish me", "trigger-drain-1") == 200
        await asyncio.sleep(0.2)
        replica.signal(signal.SIGTERM)
        await asyncio.sleep(0.3)
        # No new work once stopping: Slack is told to go elsewhere, and the proxy sees an unhealthy replica.
        try:
            status = await replica.command(http, "declare P2 Too late", "trigger-drain-2")
            assert status == 503
            async with http.get(f"{replica.base}/healthz") as response:
                assert response.status == 503 and (await response.json())["status"] == "stopping"
        except aiohttp.ClientConnectionError:
            pass  # already gone
        assert await replica.stop() == 0
    assert any("Finish me" in text for text in feed_posts(slack))
    assert not any("Too late" in text for text in feed_posts(slack))
    drained = replica.events("firebell_drained")
    assert drained and drained[0]["finished_in_grace"] is True


async def test_sigterm_gives_back_claims_to_another_replica(slack: FakeSlack, tmp_path: Path,
                                                            database_url: str) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(TEST_POLICY)
    first = Replica("a", tmp_path, slack, database_url, policy, FIREBELL_SHUTDOWN_GRACE_SECONDS="1")
    second = Replica("b", tmp_path, slack, database_url, policy)
    slack.delays["chat.postMessage"] = 120.0  # Slack hangs: the feed post is claimed and in flight
    async with aiohttp.ClientSession() as http:
        await first.start(http)
        assert await first.command(http, "declare P1 Hand me over", "trigger-handover-1") == 200
        await eventually(lambda: slack.calls_to("chat.postMessage"), message="the feed post never left")
        first.signal(signal.SIGTERM)
        assert await first.stop() == 0
        drained = first.events("firebell_drained")
        assert drained and drained[0]["released_deliveries"] >= 1, first.log_text()[-3000:]
        slack.delays.clear()
        started = time.monotonic()
        await second.start(http)
        # Taken at once: well before the 15-second lease the first replica held would have run out.
        await eventually(lambda: any("Hand me over" in text for text in feed_posts(slack)), timeout=12,
                         message="the released delivery was not taken over")
        assert time.monotonic() - started < 12
        await second.stop()


async def test_released_claims_are_taken_at_once(make_harness: Any) -> None:
    """The release itself: a timer and a delivery claimed by a stopping worker are claimable by another at
    once; the delivery is then treated as possibly sent (looked for in Slack before it is posted again)."""
    app = await make_harness()
    sessions, clock = app.firebell.services.sessions, app.clock
    app.slack.go_down(503)  # its deliveries stay owed
    await app.command("declare P1 Claimed")
    now = clock.now()
    async with sessions.begin() as session:
        await session.execute(update(ScheduledJob).values(due_at=now - timedelta(seconds=1)))
        await session.execute(update(Delivery).values(next_attempt_at=now - timedelta(seconds=1)))
        jobs = await timer_rows.claim_due(session=session, now=now, worker="stopping", lease_until=now + LEASE,
                                          limit=10)
        deliveries = await delivery_rows.claim(session=session, now=now, worker="stopping",
                                               lease_until=now + LEASE, limit=10)
    assert jobs and deliveries
    async with sessions.begin() as session:
        assert await timer_rows.claim_due(session=session, now=now, worker="other", lease_until=now + LEASE,
                                          limit=10) == []
        released = await claims.release(session=session, worker="stopping", now=now)
    assert released == (len(jobs), len(deliveries))
    async with sessions.begin() as session:
        taken_jobs = await timer_rows.claim_due(session=session, now=now, worker="other", lease_until=now + LEASE,
                                                limit=10)
        taken = await delivery_rows.claim(session=session, now=now, worker="other", lease_until=now + LEASE,
                                          limit=10)
    assert {j.id for j in taken_jobs} == {j.id for j in jobs}
    assert {d.id for d in taken} == {d.id for d in deliveries}
    assert {d.last_error for d in taken} == {delivery_rows.LEASE_EXPIRED}
