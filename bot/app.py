"""The app factory: builds every part from Settings, wires them, and serves them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_bolt.async_app import AsyncApp
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.access import AccessControl
from bot.alerts.service import AlertService
from bot.audit import AuditLog
from bot.checklists.service import ChecklistService
from bot.clock import Clock, SystemClock
from bot.deps import Deps
from bot.escalation.service import EscalationService
from bot.i18n import Catalog
from bot.incidents.commands import CommandParser
from bot.incidents.flows import IncidentFlows
from bot.incidents.service import IncidentService
from bot.logging import get_logger
from bot.maintenance.service import MaintenanceService
from bot.metrics import MetricsReader
from bot.oncall.service import OnCallService
from bot.policy.loader import PolicyError, PolicyHolder, load_policy
from bot.policy.schema import Policy
from bot.postmortems.wiring import build_followups
from bot.reminders.service import ReminderService
from bot.requests import PRUNE_EVERY, RequestMemory
from bot.runtime import Runtime
from bot.scheduling.timers import TimerService
from bot.scheduling.wakeup import TimerLoop
from bot.services import Services
from bot.settings import Settings
from bot.slack import deliveries
from bot.slack.client import SlackNotifier, build_web_client, close_web_client, delivery_client
from bot.slack.identity import BotIdentity
from bot.slack.outbox import Outbox
from bot.slack.pace import SlackPace
from storage.db import create_engine, create_session_factory, ping, upgrade_database

log = get_logger(__name__)



@dataclass
class Firebell:
    settings: Settings
    engine: AsyncEngine
    services: Services
    bolt: AsyncApp
    web: web.Application
    identity: BotIdentity
    scheduler: AsyncIOScheduler | None = None
    timer_loop: TimerLoop | None = None
    runtime: Runtime = field(default_factory=Runtime)

    async def prepare(self, *, migrate: bool = True) -> None:
        """Bring the schema up to date and forget old request ids (then hourly: add_periodic_jobs)."""
        if migrate:
            await upgrade_database(self.engine)
        await self.services.requests.forget_old()
        await self.services.ensure_schedules()
        self._in_background(self.identity.learn())
        if self.services.alerts is not None:
            self.services.alerts.kick()  # alerts stored before a crash and not processed yet

    async def tick(self) -> int:
        """Fire one batch of due timers, then kick the outbox; errors are logged, never raised. Returns
        how many timers fired. (The wake-up loop fires timers in production; tests tick by hand.)"""
        fired = 0
        try:
            fired = await self.services.timers.tick()
        except Exception:
            log.exception("scheduler_tick_failed")
        # Deliveries whose retry fell due, and ones a dead process left behind.
        self.services.outbox.kick()
        return fired

    async def beat(self) -> None:
        """APScheduler's beat, the safety net: deliveries whose retry fell due, and the wake-up loop
        started again should it ever have stopped."""
        self.services.outbox.kick()
        if self.services.alerts is not None:
            self.services.alerts.kick()  # alerts whose processor died, or whose retry fell due
        if self.timer_loop is not None and not self.timer_loop.running:
            log.error("timer_loop_restarted")
            self.timer_loop.start()

    def start_scheduler(self) -> AsyncIOScheduler:
        # Timers fire from the wake-up loop at their due time (overdue ones at once, marked late); it
        # looks at least every firebell_tick_seconds for timers other processes scheduled.
        self.timer_loop = TimerLoop(self.services.timers, cap=self.settings.firebell_tick_seconds)
        self.timer_loop.start()
        scheduler = AsyncIOScheduler(timezone="UTC")
        self.add_periodic_jobs(scheduler)
        scheduler.start()
        self.scheduler = scheduler
        return scheduler

    def add_periodic_jobs(self, scheduler: AsyncIOScheduler) -> None:
        scheduler.add_job(
            self.beat, "interval", seconds=self.settings.firebell_tick_seconds, max_instances=1, coalesce=True,
            next_run_time=datetime.now(UTC), id="firebell-beat",
        )
        # Request ids older than a day (forgotten at start-up too, by prepare).
        scheduler.add_job(self.services.requests.prune, "interval", seconds=PRUNE_EVERY.total_seconds(),
                          max_instances=1, coalesce=True, id="firebell-prune-requests")

    def reload_policy(self) -> bool:
        try:
            policy = self.services.policy.reload()
        except PolicyError as error:
            log.error("policy_reload_rejected", source=error.source, problems=error.problems)
            return False
        log.info("policy_reloaded", severities=[s.id for s in policy.severities])
        # New or changed rotations, checklists, reminders and windows need their next occurrence.
        self._in_background(self.services.ensure_schedules())
        return True

    def _in_background(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run beside the requests; cancelled on close."""
        task = asyncio.ensure_future(work)
        self.services.background.add(task)
        task.add_done_callback(self.services.background.discard)

    async def close(self) -> None:
        scheduler, self.scheduler = self.scheduler, None  # closing twice is harmless
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if self.timer_loop is not None:
            await self.timer_loop.stop()
        if self.services.alerts is not None:
            await self.services.alerts.close()
        await self.services.outbox.close()
        tasks = list(self.services.background)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await close_web_client(self.services.client)
        await self.engine.dispose()


def create_app(settings: Settings, *, clock: Clock | None = None, policy: Policy | None = None) -> Firebell:
    """Build the app. An invalid policy file raises PolicyError before anything starts."""
    # Imported here so bot/ services never depend on the handler layer at import time.
    from handlers import register_all
    from handlers.alerts import alert_routes
    from handlers.http import build_web_app

    clock = clock or SystemClock()
    engine = create_engine(settings.database_url, timeout=settings.firebell_db_timeout_seconds)
    sessions = create_session_factory(engine, timeout=settings.firebell_db_timeout_seconds)
    catalog = Catalog(settings.firebell_locale)
    holder = PolicyHolder(policy or load_policy(settings.firebell_policy, settings.firebell_locale),
                          settings.firebell_policy, settings.firebell_locale)
    client = build_web_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url,
                              pace=SlackPace(settings.firebell_slack_pace))
    notifier = SlackNotifier(client)
    timers = TimerService(sessions, clock)
    # Deliveries share the client's session: a few quick retries in place (Retry-After honoured), never a
    # blind re-send after a broken connection; then the delivery waits in the database for its next attempt.
    outbox = Outbox(sessions, clock, SlackNotifier(delivery_client(client)), worker=timers.worker)
    deliveries.register(outbox)
    access = AccessControl(holder, notifier)
    access.on_denied = AuditLog(sessions, clock).denied
    deps = Deps(sessions=sessions, clock=clock, policy=holder, timers=timers, notifier=notifier, catalog=catalog,
                access=access, outbox=outbox)
    incidents = IncidentService(deps)
    checklists = ChecklistService(deps)
    reminders = ReminderService(deps)
    feed_channel = settings.firebell_feed_channel or holder.policy.channels.feed
    maintenance = MaintenanceService(deps, fallback_channel=feed_channel)
    checklists.fallback_channel = reminders.fallback_channel = feed_channel  # channels.ops unset: the feed
    oncall = OnCallService(deps, checklists=checklists)
    escalation = EscalationService(deps, incidents=incidents, oncall=oncall)
    flows = IncidentFlows(
        service=incidents,
        notifier=notifier,
        outbox=outbox,
        catalog=catalog,
        policy=holder,
        feed_channel=feed_channel,
        escalation=escalation,
        checklists=checklists,
        reminders=reminders,
        maintenance=maintenance,
    )
    services = Services(
        requests=RequestMemory(sessions, clock),
        settings=settings,
        clock=clock,
        catalog=catalog,
        parser=CommandParser(holder),
        sessions=sessions,
        client=client,
        notifier=notifier,
        outbox=outbox,
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
    services.followups = build_followups(deps, flows, oncall)
    services.alerts = AlertService(deps, flows=flows, maintenance=maintenance, worker=timers.worker)
    identity = BotIdentity(client, settings.slack_bot_token.get_secret_value())
    bolt = AsyncApp(
        client=client,
        authorize=identity.authorizer(),
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        request_verification_enabled=True,
        name="firebell",
    )
    register_all(bolt, services)
    runtime = Runtime()
    web_app = build_web_app(bolt, settings.slack_signing_secret.get_secret_value(), lambda: ping(engine),
                            metrics=MetricsReader(sessions, clock).render, health=runtime.health,
                            accepting=lambda: runtime.accepting)
    web_app.router.add_routes(alert_routes(services.alerts))  # POST /alerts/{source}, beside /slack/events
    return Firebell(settings=settings, engine=engine, services=services, bolt=bolt, web=web_app, identity=identity,
                    runtime=runtime)
