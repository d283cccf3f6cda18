"""Durable timers: rows with a due time, claimed atomically, fired once.

Claiming is one UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) … RETURNING, so several
processes on one PostgreSQL database never claim the same row; SQLite serialises writers and the
same statement is atomic there. A claim carries a lease: a process that dies mid-firing leaves a
claim whose lease runs out, and the next tick takes it again. Handlers make their side effects
idempotent (see `pages`), so a re-fired timer never pages twice.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.logging import get_logger
from bot.scheduling.cron import next_fire
from storage.models import ScheduledJob

log = get_logger(__name__)

PENDING, CLAIMED, DONE, CANCELLED = "pending", "claimed", "done", "cancelled"


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
        lease: timedelta = timedelta(seconds=60),
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

    async def schedule(
        self,
        kind: str,
        due_at: datetime,
        payload: dict[str, Any] | None = None,
        *,
        incident_id: int | None = None,
        dedupe_key: str | None = None,
        session: AsyncSession | None = None,
    ) -> bool:
        """Add a timer; False when one with the same dedupe_key exists already."""
        job = ScheduledJob(
            kind=kind, due_at=due_at, state=PENDING, payload=payload or {}, incident_id=incident_id,
            dedupe_key=dedupe_key, attempts=0, created_at=self.clock.now(),
        )
        if session is not None:
            try:
                async with session.begin_nested():
                    session.add(job)
            except IntegrityError:
                if dedupe_key is None:
                    raise
                return False
            return True
        try:
            async with self.sessions.begin() as own:
                own.add(job)
        except IntegrityError:
            if dedupe_key is None:
                raise
            return False
        return True

    async def schedule_cron(
        self, kind: str, cron: str, zone: ZoneInfo, after: datetime, payload: dict[str, Any], key: str
    ) -> bool:
        """Schedule the cron's first occurrence after `after`, once: keyed by `key` and the occurrence."""
        fire = next_fire(cron, zone, after)
        if fire is None:
            return False
        return await self.schedule(kind, fire, payload, dedupe_key=f"{key}:{fire.isoformat()}")

    async def cancel(self, incident_id: int, kinds: Iterable[str], *, session: AsyncSession | None = None) -> int:
        statement = (
            update(ScheduledJob)
            .where(ScheduledJob.incident_id == incident_id, ScheduledJob.state == PENDING,
                   ScheduledJob.kind.in_(list(kinds)))
            .values(state=CANCELLED, outcome="cancelled")
            .execution_options(synchronize_session=False)
        )
        if session is not None:
            result = await session.execute(statement)
        else:
            async with self.sessions.begin() as own:
                result = await own.execute(statement)
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def cancel_where(self, *conditions: Any) -> int:
        """Cancel pending jobs matching SQLAlchemy conditions (by id, by dedupe key…)."""
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(ScheduledJob)
                .where(ScheduledJob.state == PENDING, *conditions)
                .values(state=CANCELLED, outcome="cancelled")
                .execution_options(synchronize_session=False)
            )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def pending(self, incident_id: int) -> Sequence[ScheduledJob]:
        async with self.sessions() as session:
            result = await session.execute(
                select(ScheduledJob)
                .where(ScheduledJob.incident_id == incident_id, ScheduledJob.state.in_([PENDING, CLAIMED]))
                .order_by(ScheduledJob.due_at)
            )
            return result.scalars().all()

    # --- claiming and firing -------------------------------------------------------------------------

    async def claim_due(self) -> list[ScheduledJob]:
        """Claim due jobs, and jobs whose claim's lease ran out, for this worker."""
        now = self.clock.now()
        claimed: list[ScheduledJob] = []
        async with self.sessions.begin() as session:
            for state_filter in (
                (ScheduledJob.state == PENDING, ScheduledJob.due_at <= now),
                (ScheduledJob.state == CLAIMED, ScheduledJob.lease_until <= now),
            ):
                room = self.batch - len(claimed)
                if room <= 0:
                    break
                ids = (
                    select(ScheduledJob.id)
                    .where(*state_filter)
                    .order_by(ScheduledJob.due_at)
                    .limit(room)
                    .with_for_update(skip_locked=True)
                    .scalar_subquery()
                )
                result = await session.execute(
                    update(ScheduledJob)
                    # The inner SELECT already chose (and on PostgreSQL locked) the rows; repeating its
                    # filter here makes PostgreSQL's cached plan read every pending row.
                    .where(ScheduledJob.id.in_(ids))
                    .values(state=CLAIMED, claimed_by=self.worker, lease_until=now + self.lease,
                            attempts=ScheduledJob.attempts + 1)
                    .returning(ScheduledJob)
                    .execution_options(synchronize_session=False)
                )
                claimed.extend(result.scalars().all())
        claimed.sort(key=lambda job: (job.due_at, job.id))
        return claimed

    async def _finish(self, job_id: int, outcome: str, error: str | None = None) -> None:
        async with self.sessions.begin() as session:
            await session.execute(
                update(ScheduledJob)
                .where(ScheduledJob.id == job_id, ScheduledJob.claimed_by == self.worker)
                .values(state=DONE, outcome=outcome, fired_at=self.clock.now(), last_error=error)
                .execution_options(synchronize_session=False)
            )

    async def tick(self) -> int:
        """Fire everything due. Returns how many jobs were fired."""
        jobs = await self.claim_due()
        for job in jobs:
            firing = Firing(
                id=job.id, kind=job.kind, due_at=job.due_at, payload=dict(job.payload or {}),
                incident_id=job.incident_id, attempts=job.attempts, lateness=self.clock.now() - job.due_at,
            )
            handler = self.handlers.get(job.kind)
            if handler is None:
                log.error("timer_without_handler", kind=job.kind, job=job.id)
                await self._finish(job.id, "no_handler")
                continue
            try:
                outcome = await handler(firing)
            except Exception as exc:
                # The claim stays until its lease runs out, then the timer is tried again.
                log.exception("timer_failed", kind=job.kind, job=job.id, attempt=job.attempts)
                if job.attempts >= 5:
                    await self._finish(job.id, "failed", f"{type(exc).__name__}: {exc}"[:500])
                continue
            if firing.late:
                log.warning("timer_fired_late", kind=job.kind, job=job.id,
                            late_seconds=int(firing.lateness.total_seconds()))
            await self._finish(job.id, outcome)
        return len(jobs)
