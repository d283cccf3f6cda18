"""The app factory: builds every part from Settings, wires them, and serves them."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.access import AccessControl
from bot.checklists.service import ChecklistService
from bot.clock import Clock, SystemClock
from bot.deps import Deps
from bot.escalation.service import EscalationService
from bot.i18n.catalog import Catalog
from bot.incidents.commands import CommandParser
from bot.incidents.flows import IncidentFlows
from bot.incidents.service import IncidentService
from bot.incidents.severity import SeverityTable
from bot.logging import get_logger
from bot.maintenance.service import MaintenanceService
from bot.oncall.service import OnCallService
from bot.policy.loader import PolicyError, PolicyHolder, load_policy
from bot.policy.schema import Policy
from bot.reminders.service import ReminderService
from bot.scheduling.timers import TimerService
from bot.settings import Settings
from bot.slack.client import SlackNotifier, build_web_client
from storage.db import create_engine, create_session_factory, upgrade_database
from storage.repositories import incidents as repositories

log = get_logger(__name__)

# Slack retries within minutes; a day of request ids is plenty to recognise them.
REQUEST_MEMORY = timedelta(days=1)


@dataclass
class Services:
    """What listeners need, handed to them through the Bolt context as `context["services"]`."""

    settings: Settings
    clock: Clock
    catalog: Catalog
    parser: CommandParser
    sessions: async_sessionmaker[AsyncSession]
    client: AsyncWebClient
    notifier: SlackNotifier
    incidents: IncidentService
    flows: IncidentFlows
    policy: PolicyHolder
    timers: TimerService
    escalation: EscalationService
    oncall: OnCallService
    checklists: ChecklistService
    reminders: ReminderService
    maintenance: MaintenanceService

    async def ensure_schedules(self) -> None:
        """Every recurring thing in the policy has its next occurrence scheduled (idempotent).

        One failing part is logged and does not keep the others (or start-up) from going ahead.
        """
        for part in (self.oncall.ensure_handoff_timers, self.checklists.ensure_schedules,
                     self.reminders.ensure_schedules, self.maintenance.ensure_schedules):
            try:
                await part()
            except Exception:
                log.exception("schedule_setup_failed", part=part.__qualname__)
    background: set[asyncio.Task[None]] = field(default_factory=set)
    # Listeners still doing post-ack work; tests wait for zero, shutdown could too.
    inflight: int = 0

    @property
    def severities(self) -> SeverityTable:
        return self.policy.severities


@dataclass
class Firebell:
    settings: Settings
    engine: AsyncEngine
    services: Services
    bolt: AsyncApp
    web: web.Application
    scheduler: AsyncIOScheduler | None = None

    async def prepare(self, *, migrate: bool = True) -> None:
        """Bring the schema up to date and forget old request ids."""
        if migrate:
            await upgrade_database(self.engine)
        cutoff = self.services.clock.now() - REQUEST_MEMORY
        async with self.services.sessions.begin() as session:
            await repositories.forget_requests_before(cutoff, session=session)
        await self.services.ensure_schedules()

    async def tick(self) -> None:
        """One scheduler tick; errors are logged, never raised into APScheduler."""
        try:
            await self.services.timers.tick()
        except Exception:
            log.exception("scheduler_tick_failed")

    def start_scheduler(self) -> AsyncIOScheduler:
        scheduler = AsyncIOScheduler(timezone="UTC")
        scheduler.add_job(
            self.tick, "interval", seconds=self.settings.firebell_tick_seconds, max_instances=1, coalesce=True,
            next_run_time=datetime.now(UTC),  # overdue timers fire at start-up, once, marked late
            id="firebell-timers",
        )
        scheduler.start()
        self.scheduler = scheduler
        return scheduler

    def reload_policy(self) -> bool:
        try:
            policy = self.services.policy.reload()
        except PolicyError as error:
            log.error("policy_reload_rejected", source=error.source, problems=error.problems)
            return False
        log.info("policy_reloaded", severities=[s.id for s in policy.severities])
        # New or changed rotations, checklists, reminders and windows need their next occurrence.
        task = asyncio.ensure_future(self.services.ensure_schedules())
        self.services.background.add(task)
        task.add_done_callback(self.services.background.discard)
        return True

    async def close(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        tasks = list(self.services.background)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.engine.dispose()


def create_app(settings: Settings, *, clock: Clock | None = None, policy: Policy | None = None) -> Firebell:
    """Build the app. An invalid policy file raises PolicyError before anything starts."""
    # Imported here so bot/ services never depend on the handler layer at import time.
    from handlers import register_all
    from handlers.http import build_web_app

    clock = clock or SystemClock()
    engine = create_engine(settings.database_url)
    sessions = create_session_factory(engine)
    catalog = Catalog(settings.firebell_locale)
    holder = PolicyHolder(policy or load_policy(settings.firebell_policy), settings.firebell_policy)
    client = build_web_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
    notifier = SlackNotifier(client)
    timers = TimerService(sessions, clock)
    access = AccessControl(holder, notifier)
    deps = Deps(sessions=sessions, clock=clock, policy=holder, timers=timers, notifier=notifier, catalog=catalog,
                access=access)
    incidents = IncidentService(deps)
    checklists = ChecklistService(deps)
    reminders = ReminderService(deps)
    feed_channel = settings.firebell_feed_channel or holder.policy.channels.feed
    maintenance = MaintenanceService(deps, fallback_channel=feed_channel)
    oncall = OnCallService(deps, checklists=checklists)
    escalation = EscalationService(deps, incidents=incidents, oncall=oncall)
    flows = IncidentFlows(
        service=incidents,
        notifier=notifier,
        catalog=catalog,
        policy=holder,
        feed_channel=feed_channel,
        escalation=escalation,
        checklists=checklists,
        maintenance=maintenance,
    )
    services = Services(
        settings=settings,
        clock=clock,
        catalog=catalog,
        parser=CommandParser(holder),
        sessions=sessions,
        client=client,
        notifier=notifier,
        incidents=incidents,
        flows=flows,
        policy=holder,
        timers=timers,
        escalation=escalation,
        oncall=oncall,
        checklists=checklists,
        reminders=reminders,
        maintenance=maintenance,
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
