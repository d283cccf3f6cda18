"""The wake-up loop: timers fire when they fall due, not on the next beat of a fixed interval.

One task per process claims what is due and hands the batch to a task of its own (TimerService.fire), then
sleeps until the earliest pending job's due time (read by the claim's own transaction), until a sooner job
is scheduled in this process (its transaction's commit wakes the loop), or for at most `cap` seconds, so jobs
other processes schedule and leases that ran out are seen within a second as before.

Claiming does not wait for the batches before it: a slow batch (Slack-bound handlers, a busy database) does
not hold back the jobs falling due meanwhile. Handler slots are shared by every batch in flight, one
incident's jobs still fire in due order, and at most `max_batches` batches are in flight (backpressure).
A full batch means more may be due: the next claim follows at once. Otherwise claims start at least `min_gap`
apart, so timers falling due every few milliseconds are fired a few at a time rather than each with a claim
and a completion (two transactions) of its own.
"""

from __future__ import annotations

import asyncio
import contextlib

from bot.logging import get_logger
from bot.scheduling.timers import TimerService
from storage.models import ScheduledJob

log = get_logger(__name__)


class TimerLoop:
    def __init__(self, timers: TimerService, *, cap: float = 1.0, min_gap: float = 0.02,
                 max_batches: int = 4) -> None:
        self.timers = timers
        self.cap = cap
        self.min_gap = min_gap
        self.max_batches = max_batches
        self._task: asyncio.Task[None] | None = None
        self._firing: set[asyncio.Task[None]] = set()
        self._stopping = False

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> asyncio.Task[None]:
        if not self.running:
            self._stopping = False
            self._task = asyncio.ensure_future(self.run())
        assert self._task is not None
        return self._task

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stopping:
            if len(self._firing) >= self.max_batches:
                await asyncio.wait(self._firing, return_when=asyncio.FIRST_COMPLETED)
                continue
            started = loop.time()
            try:
                claimed = await self.timers.claim_due()
            except Exception:
                log.exception("scheduler_tick_failed")
                claimed = []
            if claimed:
                task = asyncio.ensure_future(self._fire(claimed))
                self._firing.add(task)
                task.add_done_callback(self._firing.discard)
            if self._stopping:
                return
            if len(claimed) >= self.timers.batch:
                continue  # a full batch: more may be due already
            try:
                await self.timers.sleep_until_due(self.cap)
            except Exception:
                # The database did not answer: look again after the cap, as the fixed beat would have.
                log.exception("timer_loop_wait_failed")
                await asyncio.sleep(self.cap)
            pause = started + self.min_gap - loop.time()
            if pause > 0 and not self._stopping:
                await asyncio.sleep(pause)

    async def _fire(self, claimed: list[ScheduledJob]) -> None:
        try:
            await self.timers.fire(claimed)
        except Exception:
            # Marking them done failed (the database): their leases run out and they are fired again.
            log.exception("timer_batch_failed", jobs=len(claimed))

    async def stop(self, *, grace: float = 5.0) -> None:
        """Let the batches under way finish (up to `grace` seconds), then end the loop."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self.timers.wake()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        await asyncio.wait({task}, timeout=grace)
        pending = {t for t in (task, *self._firing) if not t.done()}
        if pending:
            await asyncio.wait(pending, timeout=max(0.0, deadline - loop.time()))
        for left in (task, *self._firing):
            if not left.done():
                left.cancel()  # its claims' leases run out; the jobs are fired again, idempotently
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await left
