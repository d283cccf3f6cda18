"""The wake-up loop: timers fire when they fall due, not on the next beat of a fixed interval.

One task per process: fire what is due (`tick`), then sleep until the earliest pending job's due time
(one index lookup), until a sooner job is scheduled in this process (its transaction's commit wakes the
loop), or for at most `cap` seconds, so jobs other processes schedule and leases that ran out are seen
within a second as before. A full batch means more may be due: the next tick follows at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from bot.logging import get_logger
from bot.scheduling.timers import TimerService

log = get_logger(__name__)


class TimerLoop:
    def __init__(self, timers: TimerService, tick: Callable[[], Awaitable[int]] | None = None, *,
                 cap: float = 1.0) -> None:
        self.timers = timers
        self.tick = tick or timers.tick
        self.cap = cap
        self._task: asyncio.Task[None] | None = None
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
        while not self._stopping:
            try:
                fired = await self.tick()
            except Exception:
                log.exception("timer_loop_tick_failed")
                fired = 0
            if self._stopping:
                return
            if fired >= self.timers.batch:
                continue  # a full batch: more may be due already
            try:
                await self.timers.sleep_until_due(self.cap)
            except Exception:
                # The database did not answer: look again after the cap, as the fixed beat would have.
                log.exception("timer_loop_wait_failed")
                await asyncio.sleep(self.cap)

    async def stop(self, *, grace: float = 5.0) -> None:
        """Let the tick under way finish (up to `grace` seconds), then end the loop."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self.timers.wake()
        done, _ = await asyncio.wait({task}, timeout=grace)
        if not done:
            task.cancel()  # its claims' leases run out; the jobs are fired again, idempotently
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
