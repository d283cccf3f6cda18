"""Durable timers: rows with a due time, claimed atomically, fired once.

Claiming is one UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) … RETURNING, so several
processes on one PostgreSQL database never claim the same row; SQLite serialises writers and the
same statement is atomic there. A claim carries a lease, renewed while its batch runs: a process that
dies mid-firing leaves a claim whose lease runs out, and the next tick takes it again. Handlers make
their side effects idempotent (Slack effects are owed through the outbox under keys derived from the job
or the row, see `pages`), so a re-fired timer never posts or pages twice.
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

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.logging import get_logger
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
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.worker = worker or worker_name()
        self.lease = lease
        self.batch = batch
        self.handlers: dict[str, Handler] = {}

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
            return await jobs.add_job(session=unit, kind=kind, due_at=due_at, payload=payload or {},
                                      created_at=self.clock.now(), incident_id=incident_id, dedupe_key=dedupe_key)

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
        async with self.sessions.begin() as session:
            claimed = await jobs.claim_due(session=session, now=now, worker=self.worker,
                                           lease_until=now + self.lease, limit=self.batch)
        claimed.sort(key=lambda job: (job.due_at, job.id))
        return claimed

    async def tick(self) -> int:
        """Fire everything due. Returns how many jobs were fired.

        While the batch runs, a companion task renews the claims still held every third of the lease and
        marks the fired jobs done in bulk, so a batch slower than the lease is not fired again elsewhere.
        """
        claimed = await self.claim_due()
        if not claimed:
            return 0
        batch = _Batch(self, [job.id for job in claimed])
        keeping = asyncio.ensure_future(batch.keep_claims())
        try:
            for job in claimed:
                await self._fire(job, batch)
        finally:
            batch.stop.set()
            await keeping
        await batch.flush()
        return len(claimed)

    async def _fire(self, job: ScheduledJob, batch: _Batch) -> None:
        firing = Firing(
            id=job.id, kind=job.kind, due_at=job.due_at, payload=dict(job.payload or {}),
            incident_id=job.incident_id, attempts=job.attempts, lateness=self.clock.now() - job.due_at,
        )
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


class _Batch:
    """The claims of one tick: renewed while held, marked done in bulk once fired."""

    def __init__(self, timers: TimerService, job_ids: list[int]) -> None:
        self.timers = timers
        self.held = set(job_ids)
        self.outcomes: dict[int, tuple[str, str | None]] = {}
        self.stop = asyncio.Event()

    def finished(self, job_id: int, outcome: str, error: str | None = None) -> None:
        self.held.discard(job_id)
        self.outcomes[job_id] = (outcome, error)

    def release(self, job_id: int) -> None:
        self.held.discard(job_id)

    async def flush(self) -> None:
        """Mark the fired jobs done: one UPDATE per outcome. Forgotten only once committed."""
        if not self.outcomes:
            return
        written = dict(self.outcomes)
        grouped: defaultdict[tuple[str, str | None], list[int]] = defaultdict(list)
        for job_id, result in written.items():
            grouped[result].append(job_id)
        timers = self.timers
        async with timers.sessions.begin() as session:
            for (outcome, error), ids in grouped.items():
                await jobs.finish(ids, session=session, worker=timers.worker, outcome=outcome,
                                  at=timers.clock.now(), error=error)
        for job_id in written:
            self.outcomes.pop(job_id, None)

    async def keep_claims(self) -> None:
        period = self.timers.lease.total_seconds() / 3
        while not self.stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), timeout=period)
                return
            try:
                await self.flush()
                async with self.timers.sessions.begin() as session:
                    await jobs.renew(list(self.held), session=session, worker=self.timers.worker,
                                     lease_until=self.timers.clock.now() + self.timers.lease)
            except Exception:
                log.exception("timer_lease_renewal_failed", held=len(self.held))
