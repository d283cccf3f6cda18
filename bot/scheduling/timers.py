"""Durable timers: rows with a due time, claimed atomically, fired once.

Claiming is one UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) … RETURNING, so several
processes on one PostgreSQL database never claim the same row; SQLite serialises writers and the
same statement is atomic there. A claim carries a lease, renewed while its batch runs: a process that
dies mid-firing leaves a claim whose lease runs out, and the next tick takes it again. Handlers make
their side effects idempotent (Slack effects are owed through the outbox under keys derived from the job
or the row, see `pages`), so a re-fired timer never posts or pages twice.

A tick fires its batch side by side, at most `concurrency` handlers at once; one incident's jobs run one
after the other, in due order. Handlers do not wait for Slack: they owe their effects to the outbox, whose
background drain delivers them. Fired jobs are marked done in bulk, one UPDATE per outcome.

The wake-up loop (bot/scheduling/wakeup.py) sleeps until the earliest pending job is due
(`sleep_until_due`): a job scheduled sooner in this process wakes it once its transaction commits, and the
sleep is capped so jobs other processes schedule, leases that run out and jobs brought forward are seen too.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.logging import get_logger
from bot.metrics import observe_firing
from bot.scheduling.batch import ClaimedBatch
from bot.scheduling.cron import next_fire
from storage.db import unit_of_work
from storage.models import ScheduledJob
from storage.repositories import timers as jobs
from storage.repositories.timers import CANCELLED, CLAIMED, DONE, PENDING

log = get_logger(__name__)

__all__ = ["CANCELLED", "CLAIMED", "DONE", "PENDING", "Firing", "TimerService"]


@dataclass(frozen=True)
class Firing:
    """A claimed job as its handler sees it."""

    id: int
    kind: str
    due_at: datetime
    payload: dict[str, Any]
    incident_id: int | None
    attempts: int
    lateness: timedelta

    @property
    def late(self) -> bool:
        return self.lateness > LATE_AFTER


# A timer fired this much after its due time says so (the bot was down, or badly behind).
LATE_AFTER = timedelta(seconds=60)

Handler = Callable[[Firing], Awaitable[str]]

# How long the loop waits before looking again at a due job another process holds.
HELD_BACKOFF = timedelta(milliseconds=50)
# Claims whose lease ran out are looked for at most this often (leases last 15 s), not on every tick.
EXPIRED_LOOK_EVERY = timedelta(seconds=1)
# The earliest due time read by the claim's transaction still stands for a sleep starting this soon after.
NEXT_DUE_FRESH = timedelta(milliseconds=100)


def worker_name() -> str:
    return f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"


class TimerService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        worker: str | None = None,
        # Short, because it is renewed while a batch runs: a process that dies delays its jobs by seconds.
        lease: timedelta = timedelta(seconds=15),
        batch: int = 500,
        # Handlers of one tick running at once, each holding a pooled database connection while in a
        # transaction: kept well under the pool's size (PostgreSQL: 16), or every tick opens and closes overflow
        # connections (measured: 16 transactions at once through a pool of 10 ran 4x slower than 8).
        concurrency: int = 8,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.worker = worker or worker_name()
        self.lease = lease
        self.batch = batch
        self.concurrency = concurrency
        self.handlers: dict[str, Handler] = {}
        # The wake-up loop's sleep: when it means to wake, and the alarm that wakes it sooner.
        self._alarm: asyncio.Event | None = None
        self._sleeping_until: datetime | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # When the last claim looked: a job due by then but not claimed is held elsewhere for a moment.
        self._last_claim_at: datetime | None = None
        self._expired_looked_at: datetime | None = None
        # The earliest pending due time as the last claim's transaction saw it (None: nothing pending),
        # until a sleep uses it; and the earliest due time committed here since that claim.
        self._next_due: tuple[datetime | None] | None = None
        self._noticed: datetime | None = None
        # Handler slots and incidents' turns, shared by the batches in flight.
        self._limit: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None
        self._incidents: dict[int, tuple[asyncio.Lock, int]] = {}

    def on(self, kind: str, handler: Handler) -> None:
        self.handlers[kind] = handler

    # --- scheduling --------------------------------------------------------------------------------

    def _unit(self, session: AsyncSession | None) -> contextlib.AbstractAsyncContextManager[AsyncSession]:
        return unit_of_work(self.sessions, session)

    async def schedule(
        self,
        kind: str,
        due_at: datetime,
        payload: dict[str, Any] | None = None,
        *,
        incident_id: int | None = None,
        dedupe_key: str | None = None,
        session: AsyncSession | None = None,
    ) -> ScheduledJob | None:
        """Add a timer; None when one with the same dedupe_key exists already."""
        async with self._unit(session) as unit:
            job = await jobs.add_job(session=unit, kind=kind, due_at=due_at, payload=payload or {},
                                     created_at=self.clock.now(), incident_id=incident_id, dedupe_key=dedupe_key)
            if job is not None:
                self._alarm_after_commit(unit, due_at)
            return job

    async def schedule_cron(
        self, kind: str, cron: str, zone: ZoneInfo, after: datetime, payload: dict[str, Any], key: str,
        *, session: AsyncSession | None = None,
    ) -> bool:
        """Schedule the cron's first occurrence after `after`, once: keyed by `key` and the occurrence."""
        fire = next_fire(cron, zone, after)
        if fire is None:
            return False
        job = await self.schedule(kind, fire, payload, dedupe_key=f"{key}:{fire.isoformat()}", session=session)
        return job is not None

    async def cancel(self, incident_id: int, kinds: Iterable[str], *, session: AsyncSession | None = None) -> int:
        async with self._unit(session) as unit:
            return await jobs.cancel_for_incident(incident_id, kinds, session=unit)

    async def cancel_keys(self, keys: Iterable[str], *, session: AsyncSession | None = None) -> int:
        """Cancel pending jobs by their dedupe keys."""
        async with self._unit(session) as unit:
            return await jobs.cancel_by_keys(keys, session=unit)

    async def cancel_job(self, job_id: int, *, kind: str, incident_id: int,
                         session: AsyncSession | None = None) -> int:
        async with self._unit(session) as unit:
            return await jobs.cancel_job(job_id, kind=kind, incident_id=incident_id, session=unit)

    async def pending(self, incident_id: int, *, kind: str | None = None, states: Iterable[str] = (PENDING, CLAIMED),
                      session: AsyncSession | None = None) -> Sequence[ScheduledJob]:
        """An incident's timers still to fire (claimed ones included unless `states` says otherwise), soonest
        first."""
        if session is not None:
            return await jobs.open_for_incident(incident_id, session=session, kind=kind, states=states)
        async with self.sessions() as own:
            return await jobs.open_for_incident(incident_id, session=own, kind=kind, states=states)

    # --- claiming and firing -------------------------------------------------------------------------

    async def claim_due(self) -> list[ScheduledJob]:
        """Claim due jobs, and jobs whose claim's lease ran out, for this worker."""
        now = self.clock.now()
        looked = self._expired_looked_at
        expired = looked is None or not now - EXPIRED_LOOK_EVERY < looked <= now
        self._noticed = None  # from here on a job committed is seen by this transaction or noticed
        async with self.sessions.begin() as session:
            claimed = await jobs.claim_due(session=session, now=now, worker=self.worker,
                                           lease_until=now + self.lease, limit=self.batch, expired=expired)
            # For the wake-up loop's next sleep: no transaction of its own when the tick was short.
            next_due = await jobs.next_due(session=session)
        if expired:
            self._expired_looked_at = now
        self._last_claim_at = now
        self._next_due = (next_due,)
        claimed.sort(key=lambda job: (job.due_at, job.id))
        return claimed

    async def tick(self) -> int:
        """Fire one batch of what is due and wait for it. Returns how many jobs were fired (a full batch:
        more may be due). The wake-up loop instead claims and fires separately, so a slow batch does not hold
        back jobs falling due meanwhile."""
        claimed = await self.claim_due()
        if claimed:
            await self.fire(claimed)
        return len(claimed)

    async def fire(self, claimed: list[ScheduledJob]) -> None:
        """Fire claimed jobs and mark them done in bulk.

        Handlers run side by side, at most `concurrency` at once across all batches in flight; one incident's
        jobs run one after the other in due order, in this batch and after any batch before it. While the
        batch runs, a companion task renews the claims still held every third of the lease and marks the
        fired jobs done in bulk, so a batch slower than the lease is not fired again elsewhere.
        """
        batch = ClaimedBatch(self, [job.id for job in claimed])
        keeping = asyncio.ensure_future(batch.keep_claims())
        lanes: defaultdict[int | None, list[ScheduledJob]] = defaultdict(list)
        single: list[list[ScheduledJob]] = []
        for job in sorted(claimed, key=lambda job: (job.due_at, job.id)):  # each lane keeps due order
            if job.incident_id is None:
                single.append([job])
            else:
                lanes[job.incident_id].append(job)
        limit = self._slots()
        try:
            await asyncio.gather(*(self._run_lane(incident, lane, batch, limit) for incident, lane in lanes.items()),
                                 *(self._run_lane(None, lane, batch, limit) for lane in single))
        finally:
            batch.stop.set()
            await keeping
        await batch.flush()

    def _slots(self) -> asyncio.Semaphore:
        """The handler slots shared by every batch in flight (one set per event loop)."""
        loop = asyncio.get_running_loop()
        if self._limit is None or self._limit[0] is not loop:
            self._limit = (loop, asyncio.Semaphore(self.concurrency))
            self._incidents = {}
        return self._limit[1]

    async def _run_lane(self, incident_id: int | None, lane: list[ScheduledJob], batch: ClaimedBatch,
                        limit: asyncio.Semaphore) -> None:
        if incident_id is None:
            await self._run_jobs(lane, batch, limit)
            return
        # An incident's lane waits for the same incident's lane of an earlier batch still firing.
        turn, users = self._incidents.get(incident_id) or (asyncio.Lock(), 0)
        self._incidents[incident_id] = (turn, users + 1)
        try:
            async with turn:
                await self._run_jobs(lane, batch, limit)
        finally:
            entry = self._incidents.get(incident_id)
            if entry is not None and entry[1] <= 1:
                del self._incidents[incident_id]
            elif entry is not None:
                self._incidents[incident_id] = (entry[0], entry[1] - 1)

    async def _run_jobs(self, lane: list[ScheduledJob], batch: ClaimedBatch, limit: asyncio.Semaphore) -> None:
        for job in lane:
            async with limit:
                try:
                    await self._fire(job, batch)
                except Exception:  # _fire settles its own failures; this is a bug in the settling itself
                    log.exception("timer_fire_crashed", kind=job.kind, job=job.id)
                    batch.release(job.id)

    # --- waking at the next due time -----------------------------------------------------------------

    def _alarm_after_commit(self, session: AsyncSession, due_at: datetime) -> None:
        """Once `session` commits, wake the loop if it sleeps past `due_at`."""
        self._loop = asyncio.get_running_loop()
        soonest: dict[TimerService, datetime] = session.sync_session.info.setdefault(_ALARMS, {})
        if self not in soonest or due_at < soonest[self]:
            soonest[self] = due_at

    def notice(self, due_at: datetime) -> None:
        """A job due at `due_at` was committed: the sleeping loop wakes if it meant to sleep past it."""
        if self._noticed is None or due_at < self._noticed:
            self._noticed = due_at
        if self._alarm is not None and self._sleeping_until is not None and due_at < self._sleeping_until:
            self._alarm.set()

    def wake(self) -> None:
        """Wake the sleeping loop now (a stop, or the safety beat)."""
        if self._alarm is not None:
            self._alarm.set()

    async def next_due(self) -> datetime | None:
        """When the earliest pending job falls due, if any is pending."""
        async with self.sessions() as session:
            return await jobs.next_due(session=session)

    async def sleep_until_due(self, cap: float) -> float:
        """Sleep until the earliest pending job is due, a sooner one is scheduled in this process, or `cap`
        seconds pass (jobs other processes schedule, leases running out, jobs brought forward). Returns the
        seconds it meant to sleep."""
        self._loop = asyncio.get_running_loop()
        if self._alarm is None:
            self._alarm = asyncio.Event()
        alarm = self._alarm
        alarm.clear()
        now = self.clock.now()
        # Set before looking: a job committed while the query runs wakes the sleep that follows it.
        wake_at = self._sleeping_until = now + timedelta(seconds=cap)
        try:
            known, self._next_due = self._next_due, None
            fresh = known is not None and self._last_claim_at is not None and now - self._last_claim_at < NEXT_DUE_FRESH
            soonest = known[0] if known is not None and fresh else await self.next_due()
            if soonest is not None and self._last_claim_at is not None and soonest <= self._last_claim_at:
                # Due at the last claim yet not claimed: another process holds it for a moment. No spinning.
                soonest = max(soonest, self.clock.now() + HELD_BACKOFF)
            noticed, self._noticed = self._noticed, None  # committed here since the claim
            for at in (soonest, noticed):
                if at is not None and at < wake_at:
                    wake_at = self._sleeping_until = at
            delay = (wake_at - self.clock.now()).total_seconds()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(alarm.wait(), delay)
            return max(delay, 0.0)
        finally:
            self._sleeping_until = None

    async def _fire(self, job: ScheduledJob, batch: ClaimedBatch) -> None:
        firing = Firing(
            id=job.id, kind=job.kind, due_at=job.due_at, payload=dict(job.payload or {}),
            incident_id=job.incident_id, attempts=job.attempts, lateness=self.clock.now() - job.due_at,
        )
        structlog.contextvars.bind_contextvars(job=job.id, job_kind=job.kind, incident=job.incident_id)
        observe_firing(job.kind, firing.lateness)
        handler = self.handlers.get(job.kind)
        if handler is None:
            log.error("timer_without_handler", kind=job.kind, job=job.id)
            batch.finished(job.id, "no_handler")
            return
        try:
            outcome = await handler(firing)
        except Exception as exc:
            # The claim is no longer renewed: its lease runs out, then the timer is tried again.
            log.exception("timer_failed", kind=job.kind, job=job.id, attempt=job.attempts)
            if job.attempts >= 5:
                batch.finished(job.id, "failed", f"{type(exc).__name__}: {exc}"[:500])
            else:
                batch.release(job.id)
            return
        if firing.late:
            log.warning("timer_fired_late", kind=job.kind, job=job.id,
                        late_seconds=int(firing.lateness.total_seconds()))
        batch.finished(job.id, outcome)


_ALARMS = "firebell.timers.alarms"


@event.listens_for(Session, "after_commit")
def _alarm_after_commit(session: Session) -> None:
    for timers, due_at in session.info.pop(_ALARMS, {}).items():
        if timers._loop is not None:
            timers._loop.call_soon(timers.notice, due_at)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_ALARMS, None)
