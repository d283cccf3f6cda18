"""Post-ack work slots: how many requests record their changes at once.

A burst of requests must not become hundreds of flows fighting for the event loop and the connection
pool, so each request's post-ack work takes one of a fixed number of slots. A slot bounds the part that
needs the database; once the change is committed and the request only waits for Slack to take its
effects, it gives the slot back (`slack_turn`): those deliveries are bounded by the outbox's own limit,
and the next request can record its change meanwhile instead of queueing behind Slack's round trips.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextvars import ContextVar


class _Slot:
    def __init__(self, semaphore: asyncio.Semaphore) -> None:
        self._semaphore = semaphore
        self.held = False

    async def take(self) -> None:
        await self._semaphore.acquire()
        self.held = True

    def give_back(self) -> None:
        if self.held:
            self.held = False
            self._semaphore.release()


_current: ContextVar[_Slot | None] = ContextVar("firebell_work_slot", default=None)


class WorkSlots:
    def __init__(self, count: int) -> None:
        self.count = count
        self._semaphore = asyncio.Semaphore(count)

    @property
    def free(self) -> int:
        return self._semaphore._value

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a slot for this task's post-ack work (given back early by `slack_turn`, or at the end)."""
        slot = _Slot(self._semaphore)
        await slot.take()
        token = _current.set(slot)
        try:
            yield
        finally:
            _current.reset(token)
            slot.give_back()


def slack_turn() -> None:
    """The change is committed; what is left waits on Slack (bounded by the outbox): free the slot."""
    slot = _current.get()
    if slot is not None:
        slot.give_back()
