"""What every domain service needs, bundled once instead of threaded through each constructor."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.access import AccessControl
from bot.clock import Clock
from bot.i18n import Catalog
from bot.policy.loader import PolicyHolder
from bot.scheduling.timers import TimerService
from bot.slack.client import Notifier
from bot.slack.outbox import Outbox
from storage.db import unit_of_work


@dataclass(frozen=True)
class Deps:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    policy: PolicyHolder
    timers: TimerService
    notifier: Notifier
    catalog: Catalog
    access: AccessControl
    outbox: Outbox


class DomainService:
    """Base of the services: the shared dependencies as attributes (`self.t` is the catalog)."""

    def __init__(self, deps: Deps) -> None:
        self.sessions = deps.sessions
        self.clock = deps.clock
        self.policy = deps.policy
        self.timers = deps.timers
        self.notifier = deps.notifier
        self.t = deps.catalog
        self.access = deps.access
        self.outbox = deps.outbox

    def _unit(self, session: AsyncSession | None) -> contextlib.AbstractAsyncContextManager[AsyncSession]:
        """Join the caller's unit of work, or run as one of its own."""
        return unit_of_work(self.sessions, session)
