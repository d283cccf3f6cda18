"""Slack retries recognised: a request id seen before is not acted on twice.

Ids older than a day are forgotten at start-up and then every hour (`prune`, an APScheduler job in
bot/app.py), so the table stays small on a bot that runs for months.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.logging import get_logger
from storage.db import within
from storage.repositories import requests

log = get_logger(__name__)

# Slack retries within minutes; a day of request ids is plenty to recognise them.
REQUEST_MEMORY = timedelta(days=1)
PRUNE_EVERY = timedelta(hours=1)


class RequestMemory:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    async def first_time(self, key: str, *, timeout: float) -> bool:
        """Record a request id; False when it was seen before (a Slack retry). Raises TimeoutError when
        the database does not answer within `timeout` seconds: the request is then not run at all."""
        async def claim() -> bool:
            async with self.sessions.begin() as session:
                return await requests.claim_request(key, session=session, at=self.clock.now())

        return await within(claim(), timeout)

    async def database_answers(self, *, timeout: float) -> None:
        """A read that must come back within `timeout` seconds, else TimeoutError: for a request whose
        retries are recognised by its own row (a declare's request key), so it writes nothing here but
        still learns at once, before changing anything, that the database is not answering."""
        async def select_one() -> None:
            async with self.sessions() as session:
                await requests.select_one(session=session)

        await within(select_one(), timeout)

    async def forget_old(self) -> int:
        async with self.sessions.begin() as session:
            return await requests.forget_requests_before(self.clock.now() - REQUEST_MEMORY, session=session)

    async def prune(self) -> int:
        """The hourly job: forget old ids. Errors are logged, never raised (the next hour tries again)."""
        try:
            forgotten = await self.forget_old()
        except Exception:
            log.exception("request_ids_prune_failed")
            return 0
        if forgotten:
            log.info("request_ids_forgotten", count=forgotten)
        return forgotten
