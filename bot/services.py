"""The services bundle: what listeners need, handed to them through the Bolt context."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.alerts.service import AlertService
from bot.checklists.service import ChecklistService
from bot.clock import Clock
from bot.escalation.service import EscalationService
from bot.i18n import Catalog
from bot.incidents.commands import CommandParser
from bot.incidents.flows import IncidentFlows
from bot.incidents.service import IncidentService
from bot.incidents.severity import SeverityTable
from bot.logging import get_logger
from bot.maintenance.service import MaintenanceService
from bot.oncall.service import OnCallService
from bot.policy.loader import PolicyHolder
from bot.postmortems.wiring import Followups
from bot.reminders.service import ReminderService
from bot.requests import RequestMemory
from bot.scheduling.timers import TimerService
from bot.settings import Settings
from bot.slack.client import SlackNotifier
from bot.slack.outbox import Outbox
from bot.work import WorkSlots

log = get_logger(__name__)

# How many requests' post-ack work runs at once: enough to keep Slack and the database busy, few enough
# that a burst does not starve the event loop (measured: docs/operations.md).
WORKERS = 8


@dataclass
class Services:
    """What listeners need, handed to them through the Bolt context as `context["services"]`."""

    settings: Settings
    clock: Clock
    catalog: Catalog
    parser: CommandParser
    sessions: async_sessionmaker[AsyncSession]
    requests: RequestMemory
    client: AsyncWebClient
    notifier: SlackNotifier
    outbox: Outbox
    incidents: IncidentService
    flows: IncidentFlows
    policy: PolicyHolder
    timers: TimerService
    escalation: EscalationService
    oncall: OnCallService
    checklists: ChecklistService
    reminders: ReminderService
    maintenance: MaintenanceService

    # Monitoring alerts (bot/alerts/): set by the app factory once the incident flows exist.
    alerts: AlertService | None = None
    # Post-mortems, action items, reports and the App Home (bot/postmortems/wiring.py).
    followups: Followups | None = None
    background: set[asyncio.Task[Any]] = field(default_factory=set)
    # Post-ack work in flight at once; the rest waits its turn (the acks never do).
    work_slots: WorkSlots = field(default_factory=lambda: WorkSlots(WORKERS))
    # Listeners still doing post-ack work; tests wait for zero, shutdown could too.
    inflight: int = 0

    async def ensure_schedules(self) -> None:
        """Every recurring thing in the policy has its next occurrence scheduled (idempotent).

        One failing part is logged and does not keep the others (or start-up) from going ahead.
        """
        for part in (self.oncall.ensure_handoff_timers, self.checklists.ensure_schedules,
                     self.reminders.ensure_schedules, self.maintenance.ensure_schedules,
                     *((self.followups.reports.ensure_schedules,) if self.followups else ())):
            try:
                await part()
            except Exception:
                log.exception("schedule_setup_failed", part=part.__qualname__)

    @property
    def severities(self) -> SeverityTable:
        return self.policy.severities
