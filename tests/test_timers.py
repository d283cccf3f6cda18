"""Durable timers on their own: exactly once, leases, several workers on one database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.scheduling.timers import Firing, TimerService
from storage.db import create_engine, create_session_factory, upgrade_database
from storage.models import ScheduledJob
from tests.conftest import MutableClock


async def make_service(url: str, clock: MutableClock, worker: str, **kwargs: object) -> tuple[TimerService, object]:
    engine = create_engine(url)
    await upgrade_database(engine)
    return TimerService(create_session_factory(engine), clock, worker=worker, **kwargs), engine  # type: ignore[arg-type]


async def test_fires_once_and_only_when_due(database_url: str) -> None:
    clock = MutableClock()
    timers, engine = await make_service(database_url, clock, "w1")
    fired: list[int] = []

    async def record(firing: Firing) -> str:
        fired.append(firing.id)
        return "ok"

    timers.on("probe", record)
    await timers.schedule("probe", clock.now() + timedelta(seconds=10), {"n": 1})
    assert await timers.tick() == 0
    clock.advance(seconds=10)
    assert await timers.tick() == 1
    assert await timers.tick() == 0
    assert len(fired) == 1
    await engine.dispose()  # type: ignore[attr-defined]


async def test_dedupe_key_makes_scheduling_idempotent(database_url: str) -> None:
    clock = MutableClock()
    timers, engine = await make_service(database_url, clock, "w1")
    assert await timers.schedule("probe", clock.now(), dedupe_key="same")
    assert not await timers.schedule("probe", clock.now(), dedupe_key="same")
    await engine.dispose()  # type: ignore[attr-defined]


async def test_a_crashed_claim_is_taken_again_after_its_lease(database_url: str) -> None:
    clock = MutableClock()
    crashed, engine1 = await make_service(database_url, clock, "crashed", lease=timedelta(seconds=30))
    healthy, engine2 = await make_service(database_url, clock, "healthy", lease=timedelta(seconds=30))
    await crashed.schedule("probe", clock.now())
    claimed = await crashed.claim_due()  # ...and the process dies before firing
    assert len(claimed) == 1
    fired: list[str] = []

    async def record(firing: Firing) -> str:
        fired.append("healthy")
        return "ok"

    healthy.on("probe", record)
    assert await healthy.tick() == 0, "the lease still holds"
    clock.advance(seconds=31)
    assert await healthy.tick() == 1
    assert fired == ["healthy"]
    async with healthy.sessions() as session:
        job = (await session.execute(select(ScheduledJob))).scalar_one()
    assert (job.state, job.claimed_by, job.attempts) == ("done", "healthy", 2)
    await engine1.dispose()  # type: ignore[attr-defined]
    await engine2.dispose()  # type: ignore[attr-defined]


async def test_a_batch_slower_than_its_lease_keeps_its_claims(database_url: str) -> None:
    clock = MutableClock()
    lease = timedelta(seconds=0.3)  # renewed every 0.1 s of real time while the batch runs
    slow, engine1 = await make_service(database_url, clock, "slow", lease=lease)
    other, engine2 = await make_service(database_url, clock, "other", lease=lease)
    for n in range(3):
        await slow.schedule("probe", clock.now(), {"n": n})
    fired: list[str] = []
    taken_meanwhile: list[int] = []

    async def slowly(firing: Firing) -> str:
        fired.append("slow")
        clock.advance(seconds=1)  # each firing takes longer than the whole lease
        await asyncio.sleep(0.25)
        taken_meanwhile.append(await other.tick())
        return "ok"

    async def elsewhere(firing: Firing) -> str:
        fired.append("other")
        return "ok"

    slow.on("probe", slowly)
    other.on("probe", elsewhere)
    assert await slow.tick() == 3
    assert fired == ["slow"] * 3 and taken_meanwhile == [0, 0, 0], "no claim ran out while the batch ran"
    async with slow.sessions() as session:
        jobs = (await session.execute(select(ScheduledJob))).scalars().all()
    assert {(job.state, job.claimed_by, job.outcome, job.attempts) for job in jobs} == {("done", "slow", "ok", 1)}
    await engine1.dispose()  # type: ignore[attr-defined]
    await engine2.dispose()  # type: ignore[attr-defined]


async def test_two_workers_fire_500_due_timers_exactly_once(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        # SQLite serialises writers, so this proves nothing there; the claim is the same code.
        import pytest

        pytest.skip("two-process claiming is tested on PostgreSQL only (FIREBELL_TEST_DATABASE_URL)")
    clock = MutableClock()
    first, engine1 = await make_service(database_url, clock, "first", batch=50)
    second, engine2 = await make_service(database_url, clock, "second", batch=50)
    async with first.sessions.begin() as session:
        session.add_all(
            ScheduledJob(kind="probe", due_at=clock.now() - timedelta(seconds=i % 60), state="pending", payload={},
                         attempts=0, created_at=clock.now())
            for i in range(500)
        )
    fired: dict[str, list[int]] = {"first": [], "second": []}

    def recorder(name: str):  # type: ignore[no-untyped-def]
        async def record(firing: Firing) -> str:
            fired[name].append(firing.id)
            await asyncio.sleep(0)  # let the other worker interleave
            return "ok"
        return record

    first.on("probe", recorder("first"))
    second.on("probe", recorder("second"))

    async def drain(timers: TimerService) -> None:
        while await timers.tick():
            pass

    await asyncio.gather(drain(first), drain(second), drain(first), drain(second))
    all_fired = fired["first"] + fired["second"]
    assert len(all_fired) == 500
    assert len(set(all_fired)) == 500
    assert fired["first"] and fired["second"], "both workers took a share"
    await engine1.dispose()  # type: ignore[attr-defined]
    await engine2.dispose()  # type: ignore[attr-defined]
