"""The app factory: builds every part from Settings, wires them, and serves them."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import timedelta

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock, SystemClock
from bot.commands import CommandParser
from bot.flows import IncidentFlows
from bot.incidents import IncidentService
from bot.logging import get_logger
from bot.messages import Catalog
from bot.notifier import SlackNotifier, build_web_client
from bot.settings import Settings
from bot.severity import SeverityTable
from storage import repositories
from storage.db import create_engine, create_session_factory, upgrade_database

log = get_logger(__name__)

# Slack retries within minutes; a day of request ids is plenty to recognise them.
REQUEST_MEMORY = timedelta(days=1)


@dataclass
class Services:
    """What listeners need, handed to them through the Bolt context as `context["services"]`."""

    settings: Settings
    clock: Clock
    catalog: Catalog
    severities: SeverityTable
    parser: CommandParser
    sessions: async_sessionmaker[AsyncSession]
    client: AsyncWebClient
    notifier: SlackNotifier
    incidents: IncidentService
    flows: IncidentFlows
    background: set[asyncio.Task[None]] = field(default_factory=set)
    # Listeners still doing post-ack work; tests wait for zero, shutdown could too.
    inflight: int = 0


@dataclass
class Firebell:
    settings: Settings
    engine: AsyncEngine
    services: Services
    bolt: AsyncApp
    web: web.Application

    async def prepare(self, *, migrate: bool = True) -> None:
        """Bring the schema up to date and forget old request ids."""
        if migrate:
            await upgrade_database(self.engine)
        cutoff = self.services.clock.now() - REQUEST_MEMORY
        async with self.services.sessions.begin() as session:
            await repositories.forget_requests_before(cutoff, session=session)

    async def close(self) -> None:
        tasks = list(self.services.background)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.engine.dispose()


def create_app(settings: Settings, *, clock: Clock | None = None) -> Firebell:
    # Imported here so bot/ services never depend on the handler layer at import time.
    from handlers import register_all
    from handlers.http import build_web_app

    clock = clock or SystemClock()
    engine = create_engine(settings.database_url)
    sessions = create_session_factory(engine)
    catalog = Catalog(settings.firebell_locale)
    severities = SeverityTable()
    client = build_web_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
    notifier = SlackNotifier(client)
    incidents = IncidentService(sessions, clock, severities)
    flows = IncidentFlows(
        service=incidents,
        notifier=notifier,
        catalog=catalog,
        severities=severities,
        feed_channel=settings.firebell_feed_channel,
    )
    services = Services(
        settings=settings,
        clock=clock,
        catalog=catalog,
        severities=severities,
        parser=CommandParser(severities),
        sessions=sessions,
        client=client,
        notifier=notifier,
        incidents=incidents,
        flows=flows,
    )
    bolt = AsyncApp(
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        request_verification_enabled=True,
        name="firebell",
    )
    register_all(bolt, services)
    web_app = build_web_app(bolt, engine)
    return Firebell(settings=settings, engine=engine, services=services, bolt=bolt, web=web_app)
