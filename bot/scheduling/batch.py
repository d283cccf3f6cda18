"""The claims of one timer tick: renewed while held, so a batch slower than its lease is not fired again
elsewhere, and marked done in bulk (one UPDATE per outcome) once fired."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from typing import TYPE_CHECKING

from bot.logging import get_logger
from storage.repositories import timers as jobs

if TYPE_CHECKING:
    from bot.scheduling.timers import TimerService

log = get_logger(__name__)


class ClaimedBatch:
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
