"""Settling in groups: deliveries Slack accepted are recorded a few transactions at a time, not one each.

Deliveries that finish while one settling transaction runs share the next (a group commit), so a burst
of posts costs a handful of commits. Each delivery's kind may record what it produced (a message ts) in
the same transaction. Should one kind's hook fail the group, the group is settled again one by one, so
the others are not held back; one that still fails keeps its lease, which runs out, and the delivery is
taken again (a post is looked up in Slack before it is sent again).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.logging import get_logger
from bot.slack.owed import Kind, Outcome, Owed
from storage.repositories import outbox as rows

log = get_logger(__name__)


@dataclass
class _Accepted:
    """A delivery Slack accepted, waiting for the next group commit."""

    owed: Owed
    kind: Kind | None
    values: dict[str, Any]
    done: asyncio.Future[Outcome]


class GroupSettler:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, *, worker: str,
                 newer_owed: Callable[[], None]) -> None:
        self.sessions = sessions
        self.clock = clock
        self.worker = worker
        self.newer_owed = newer_owed  # a newer revision was owed while one went out: deliver again
        self._queue: list[_Accepted] = []
        self._task: asyncio.Task[None] | None = None

    def settle(self, owed: Owed, kind: Kind | None, values: dict[str, Any]) -> asyncio.Future[Outcome]:
        """Queue a delivery Slack accepted; the future says how it was recorded."""
        accepted = _Accepted(owed, kind, dict(values), asyncio.get_running_loop().create_future())
        self._queue.append(accepted)
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._settle_queued())
        return accepted.done

    async def finish(self) -> None:
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task

    async def _settle_queued(self) -> None:
        while self._queue:
            group, self._queue = self._queue, []
            try:
                async with self.sessions.begin() as session:
                    current = [await self._settle_in(session, item) for item in group]
            except Exception:
                if len(group) == 1:
                    log.exception("delivery_settle_failed", key=group[0].owed.key)
                    current = [None]
                else:  # one at a time, so one failing hook does not keep the others unsettled
                    current = [await self._settle_alone(item) for item in group]
            for item, settled in zip(group, current, strict=True):
                if settled is False:
                    self.newer_owed()
                state = {True: rows.SENT, False: rows.PENDING, None: rows.SENDING}[settled]
                if not item.done.done():
                    item.done.set_result(Outcome(state, None, item.values))

    async def _settle_in(self, session: AsyncSession, item: _Accepted) -> bool:
        current = await rows.settle_sent(item.owed.id, session=session, worker=self.worker,
                                         revision=item.owed.revision, now=self.clock.now(), progress=item.values)
        # Recorded even when a newer revision is owed: this one's message exists (its ts is needed).
        if item.kind is not None and item.kind.on_sent is not None:
            await item.kind.on_sent(item.owed, session, item.values)
        return current

    async def _settle_alone(self, item: _Accepted) -> bool | None:
        try:
            async with self.sessions.begin() as session:
                return await self._settle_in(session, item)
        except Exception:
            log.exception("delivery_settle_failed", key=item.owed.key)
            return None
