"""What Slack must show after an incident decision: call the service, owe the Slack effects in the same
transaction, deliver them at once, and tell the person who asked how it went.

Decisions and records live in bot/incidents/service.py, texts and blocks in render.py, the deliveries in
deliveries.py; this module only sequences them. Everything here runs after the Slack request was
acknowledged. A Slack step that fails for good is noted on the timeline and told to the person who asked;
one that may succeed later is told too, and the outbox keeps trying until Slack takes it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.checklists.service import ChecklistService
from bot.errors import SlackCallFailed, is_transient
from bot.escalation.paging import PageReport
from bot.escalation.render import escalate_report
from bot.escalation.service import EscalationService
from bot.i18n import Catalog
from bot.incidents.deliveries import IncidentDeliveries
from bot.incidents.keys import setup_key
from bot.incidents.lifecycle import Action
from bot.incidents.render import (
    Notice,
    assign_notice,
    declared_text,
    declared_without_channel,
    feed_announcement,
    maintenance_note,
    resolve_notice,
    severity_notice,
    step_failed,
    transition_notice,
    update_notice,
    will_retry,
)
from bot.incidents.roles import Role
from bot.incidents.service import IncidentService
from bot.incidents.severity import SeverityTable
from bot.incidents.types import is_private
from bot.logging import get_logger
from bot.maintenance.service import MaintenanceService
from bot.policy.loader import PolicyHolder
from bot.reminders.service import ReminderService
from bot.slack.client import Notifier, ReplyTarget
from bot.slack.outbox import Outbox, Outcome
from storage.models import Incident
from storage.repositories import outbox as delivery_rows

log = get_logger(__name__)

# A delivery put back for this reason is on its way (after the delivery it needs).
NOT_TROUBLE = (None, "waiting")


class IncidentFlows:
    def __init__(
        self,
        *,
        service: IncidentService,
        notifier: Notifier,
        outbox: Outbox,
        catalog: Catalog,
        policy: PolicyHolder,
        feed_channel: str | None,
        escalation: EscalationService,
        checklists: ChecklistService,
        reminders: ReminderService,
        maintenance: MaintenanceService,
    ) -> None:
        self.service = service
        self.notifier = notifier
        self.outbox = outbox
        self.t = catalog
        self.policy = policy
        self.feed_channel = feed_channel
        self.escalation = escalation
        self.checklists = checklists
        self.reminders = reminders
        self.maintenance = maintenance
        # Owed in the resolution's transaction by other domains (the post-mortem draft): keys to deliver.
        self.resolve_hooks: list[Callable[[AsyncSession, Incident, str], Awaitable[list[str]]]] = []
        self.slack = IncidentDeliveries(outbox=outbox, service=service, checklists=checklists, catalog=catalog,
                                        policy=policy)

    @property
    def severities(self) -> SeverityTable:
        return self.policy.severities

    # --- telling the person who asked --------------------------------------------------------------------

    async def tell(self, reply: ReplyTarget, text: str) -> None:
        try:
            await self.notifier.tell(reply, text)
        except SlackCallFailed as exc:
            log.error("reply_failed", user=reply.user_id, code=exc.code)

    async def _deliver(self, number: int, keys: list[str], reply: ReplyTarget) -> dict[str, Outcome]:
        """Deliver what the change owes now, and tell the person each step Slack refused or delayed."""
        outcomes = await self.outbox.deliver_now(keys)
        for key, outcome in outcomes.items():
            problems = list(outcome.progress.get("problems") or [])
            if key == setup_key(number):
                pass  # the set-up's own problems are listed step by step below
            elif outcome.state in ("failed", "pending") and outcome.error not in NOT_TROUBLE:
                spec = await self._failure_spec(key)
                if spec is not None:
                    problems.append([spec["key"], outcome.error, spec.get("params", {})])
            for failure_key, code, params in problems:
                text = step_failed(self.t, failure_key, number=number, code=code, **params)
                await self.tell(reply, text if outcome.state == "failed" or not is_transient(code)
                                else f"{text} {will_retry(self.t)}")
        return outcomes

    async def _failure_spec(self, key: str) -> dict[str, Any] | None:
        async with self.outbox.sessions() as session:
            row = await delivery_rows.get(key, session=session)
        return (row.payload or {}).get("failure") if row is not None else None

    # --- declare -----------------------------------------------------------------------------------------

    async def declare(
        self,
        *,
        title: str,
        severity: str,
        actor: str,
        reply: ReplyTarget,
        commander_id: str | None = None,
        service: str | None = None,
        description: str | None = None,
        request_key: str | None = None,
        incident_type: str | None = None,
    ) -> Incident | None:
        # Found before the transaction: the people told at once (groups expanded through Slack), and the
        # maintenance window the service may be in.
        plan = await self.escalation.declare_plan(severity)
        window = await self.maintenance.active_for(service) if service else None
        keys: list[str] = []

        async def effects(session: AsyncSession, incident: Incident) -> None:
            people = sorted({actor, incident.commander_id or actor})
            # A private type (security) is not announced in the feed.
            feed = None if is_private(self.policy.policy, incident) else self.feed_channel
            keys.extend(await self.slack.owe_setup(session, incident, people, feed))
            report = await self.escalation.owe_declared(session, incident, plan, key=f"declare:{incident.id}")
            keys.extend(report.owed)
            # The severity's checklist (e.g. 003's P0 playbook) goes into the incident channel.
            keys.append(await self.slack.owe_checklist(session, incident, actor))
            if window is not None:
                keys.append(await self.slack.owe_announcement(session, incident, f"maintenance:{incident.id}",
                                                              maintenance_note(self.t, incident, window)))

        incident, created = await self.service.declare(
            title=title, severity=severity, declared_by=actor, commander_id=commander_id, service=service,
            description=description, request_key=request_key, effects=effects, incident_type=incident_type,
        )
        if not created:
            log.info("declare_repeated", incident=incident.id)
            return None
        outcomes = await self._deliver(incident.id, keys, reply)
        setup = outcomes.get(setup_key(incident.id))
        incident = await self.service.get(incident.id)
        if incident.channel_id is not None:
            await self.tell(reply, declared_text(self.t, incident.id, incident.channel_id))
        elif setup is not None and setup.error not in NOT_TROUBLE:
            text = declared_without_channel(self.t, incident.id, setup.error)
            await self.tell(reply, text if setup.state == "failed" else f"{text} {will_retry(self.t)}")
        return incident

    # --- changes -----------------------------------------------------------------------------------------

    async def _announce_change(self, session: AsyncSession, incident: Incident, notice: Notice, *,
                               topic: bool) -> list[str]:
        """Owe the announcement in the channel and the refresh of the live messages."""
        key = f"announce:incident {incident.id}:{uuid.uuid4().hex}"
        return [await self.slack.owe_announcement(session, incident, key, notice.post),
                *await self.slack.owe_refresh(session, incident, topic=topic)]

    async def _confirm(self, incident: Incident, reply: ReplyTarget, text: str) -> None:
        # Inside the incident channel the announcement is the confirmation.
        if reply.channel_id != incident.channel_id:
            await self.tell(reply, text)

    async def _change(self, number: int, reply: ReplyTarget, change: Any, notice_of: Any, *,
                      topic: bool, extra: Any = None) -> Incident:
        """Run a service change with its Slack effects owed in its transaction; deliver; confirm."""
        keys: list[str] = []
        notices: list[Notice] = []

        async def effects(session: AsyncSession, incident: Incident) -> None:
            notice = notice_of(incident)
            notices.append(notice)
            keys.extend(await self._announce_change(session, incident, notice, topic=topic))
            if extra is not None:
                keys.extend(await extra(session, incident))

        incident = await change(effects)
        await self._deliver(number, keys, reply)
        await self._confirm(incident, reply, notices[0].done)
        return incident

    async def acknowledge(self, number: int, actor: str, reply: ReplyTarget) -> Incident:
        return await self._change(
            number, reply, lambda fx: self.service.acknowledge(number, actor, effects=fx),
            lambda _i: transition_notice(self.t, Action.ACK, number, actor), topic=True)

    async def mitigate(self, number: int, actor: str, reply: ReplyTarget) -> Incident:
        return await self._change(
            number, reply, lambda fx: self.service.mitigate(number, actor, effects=fx),
            lambda _i: transition_notice(self.t, Action.MITIGATE, number, actor), topic=True)

    async def resolve(self, number: int, actor: str, summary: str | None, reply: ReplyTarget) -> Incident:
        async def end_incident_work(session: AsyncSession, incident: Incident) -> list[str]:
            # Its checklist runs and reminders stop with it (the deadlines were cancelled by the service).
            await self.checklists.end_for_incident(incident.id, session=session)
            await self.reminders.cancel_for_incident(incident.id, session=session)
            return [key for hook in self.resolve_hooks for key in await hook(session, incident, actor)]

        return await self._change(
            number, reply, lambda fx: self.service.resolve(number, actor, summary, effects=fx),
            lambda incident: resolve_notice(self.t, incident, actor, summary,
                                            self.policy.policy.postmortems.due_for(incident.severity)),
            topic=True, extra=end_incident_work)

    async def reopen(self, number: int, actor: str, reply: ReplyTarget) -> Incident:
        return await self._change(
            number, reply, lambda fx: self.service.reopen(number, actor, effects=fx),
            lambda _i: transition_notice(self.t, Action.REOPEN, number, actor), topic=True)

    async def post_status(self, number: int, actor: str, text: str, reply: ReplyTarget) -> Incident:
        notice = update_notice(self.t, number, actor, text)

        async def feed_thread(session: AsyncSession, incident: Incident) -> list[str]:
            # The feed keeps everyone else informed: the update goes in the announcement's thread.
            if not self.feed_channel:
                return []
            key = f"announce:incident {number}:{uuid.uuid4().hex}:feed"
            return [await self.slack.owe_announcement(session, incident, key, notice.post, thread_of_feed=True)]

        return await self._change(
            number, reply, lambda fx: self.service.post_status(number, actor, text, effects=fx),
            lambda _i: notice, topic=False, extra=feed_thread)

    async def change_severity(self, number: int, actor: str, severity: str, reply: ReplyTarget) -> Incident:
        before = await self.service.get(number)
        ids = list(self.severities.ids)
        raised = severity in ids and before.severity in ids and ids.index(severity) < ids.index(before.severity)
        # Raising the severity does what declaring at it does: the broadcast and the people told at once.
        plan = await self.escalation.declare_plan(severity) if raised else None
        old = before.severity

        async def as_if_declared(session: AsyncSession, incident: Incident) -> list[str]:
            if not raised:
                return []
            keys = []
            tag = f"severity:{incident.id}:{incident.version}"
            if self.feed_channel:
                text, blocks = feed_announcement(self.t, self.severities, incident)
                keys.append(await self.slack.owe_announcement(session, incident, f"broadcast:{tag}", text,
                                                              channel=self.feed_channel, blocks=blocks))
            report: PageReport = await self.escalation.owe_declared(session, incident, plan, key=tag)
            return keys + list(report.owed)

        return await self._change(
            number, reply,
            lambda fx: _first(self.service.change_severity(number, actor, severity, effects=fx)),
            lambda _i: severity_notice(self.t, self.severities, number, actor, old, severity), topic=True,
            extra=as_if_declared)

    async def assign(self, number: int, actor: str, user_id: str, role: Role, reply: ReplyTarget) -> Incident:
        async def invite(session: AsyncSession, incident: Incident) -> list[str]:
            key = f"invite:incident {number}:{user_id}:{uuid.uuid4().hex}"
            return [await self.slack.owe_invite(session, incident, key, [user_id])]

        return await self._change(
            number, reply, lambda fx: self.service.assign(number, actor, user_id, role, effects=fx),
            lambda _i: assign_notice(self.t, number, actor, user_id, role), topic=False, extra=invite)

    async def escalate(
        self, number: int, actor: str, reason: str | None, reply: ReplyTarget, request_key: str | None
    ) -> None:
        report = await self.escalation.escalate(number, actor, reason, request_key)
        keys: list[str] = []
        async with self.outbox.sessions.begin() as session:
            keys.extend(await self.slack.owe_refresh(session, await self.service.get(number, session=session),
                                                     topic=False))
        await self._deliver(number, keys, reply)
        await self.tell(reply, escalate_report(self.t, number, report.sent, report.failed + report.retrying))


async def _first(pair: Any) -> Incident:
    incident, _old = await pair
    return incident
