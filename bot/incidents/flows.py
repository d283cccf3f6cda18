"""What Slack must show after an incident decision: call the service, render, hand it to the notifier.

Decisions and records live in bot/incidents/service.py, texts and blocks in render.py; this module only
sequences them. Everything here runs after the Slack request was acknowledged. Every Slack failure is caught
per step, recorded on the timeline and told to the person who asked; the database is the truth.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from bot.checklists.service import ChecklistService
from bot.errors import SlackCallFailed
from bot.escalation.render import escalate_report
from bot.escalation.service import EscalationService
from bot.i18n import Catalog
from bot.incidents.lifecycle import Action
from bot.incidents.render import (
    Notice,
    assign_notice,
    declared_text,
    declared_without_channel,
    feed_announcement,
    incident_summary,
    maintenance_note,
    resolve_notice,
    severity_notice,
    step_failed,
    summary_text,
    topic_text,
    transition_notice,
    update_notice,
    user_mentions,
)
from bot.incidents.roles import Role
from bot.incidents.service import IncidentService
from bot.incidents.severity import SeverityTable
from bot.logging import get_logger
from bot.maintenance.service import MaintenanceService
from bot.policy.loader import PolicyHolder
from bot.slack.client import Notifier, ReplyTarget
from bot.slack.text import incident_channel_name
from storage.models import Incident

log = get_logger(__name__)

# How many `-2`, `-3`… suffixes to try when a channel name is taken.
MAX_NAME_ATTEMPTS = 5


class IncidentFlows:
    def __init__(
        self,
        *,
        service: IncidentService,
        notifier: Notifier,
        catalog: Catalog,
        policy: PolicyHolder,
        feed_channel: str | None,
        escalation: EscalationService,
        checklists: ChecklistService,
        maintenance: MaintenanceService,
    ) -> None:
        self.escalation = escalation
        self.checklists = checklists
        self.maintenance = maintenance
        self.service = service
        self.notifier = notifier
        self.t = catalog
        self.policy = policy
        self.feed_channel = feed_channel
        self._refresh_locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    @property
    def severities(self) -> SeverityTable:
        return self.policy.severities

    # --- helpers ---------------------------------------------------------------------------------

    async def tell(self, reply: ReplyTarget, text: str) -> None:
        try:
            await self.notifier.tell(reply, text)
        except SlackCallFailed as exc:
            log.error("reply_failed", user=reply.user_id, code=exc.code)

    async def _slack_step(
        self, number: int, reply: ReplyTarget, step: Callable[[], Awaitable[Any]], failure_key: str,
        **params: Any,
    ) -> Any:
        """Run one Slack step; on failure record it, tell the user, and carry on."""
        try:
            return await step()
        except SlackCallFailed as exc:
            await self.service.note_failure(number, method=exc.method, code=exc.code)
            await self.tell(reply, step_failed(self.t, failure_key, number=number, code=exc.code, **params))
            return None

    # --- declare ---------------------------------------------------------------------------------

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
    ) -> Incident | None:
        incident, created = await self.service.declare(
            title=title,
            severity=severity,
            declared_by=actor,
            commander_id=commander_id,
            service=service,
            description=description,
            request_key=request_key,
        )
        if not created:
            log.info("declare_repeated", incident=incident.id)
            return None
        number = incident.id
        channel_id = await self._create_channel(incident, reply)
        if channel_id is not None:
            people = sorted({actor, incident.commander_id or actor})
            await self._slack_step(
                number, reply, lambda: self.notifier.invite(channel_id, people), "declare.invite_failed",
                users=user_mentions(people),
            )
            incident = await self.service.get(number)
            await self._slack_step(
                number, reply,
                lambda: self.notifier.set_topic(channel_id, topic_text(self.t, self.severities, incident)),
                "declare.topic_failed",
            )
            ts = await self._slack_step(
                number, reply,
                lambda: self.notifier.post(
                    channel_id,
                    summary_text(self.t, self.severities, incident),
                    incident_summary(self.t, self.severities, incident),
                ),
                "declare.summary_failed",
            )
            if ts:
                await self.service.record_messages(number, summary_ts=ts)
        if self.feed_channel and self.feed_channel != channel_id:
            await self._announce_in_feed(incident, reply)
        incident = await self.service.get(number)
        await self.escalation.on_declared(incident)
        # The severity's checklist (e.g. 003's P0 playbook) goes into the incident channel.
        await self.checklists.attach_to_incident(incident, channel_id, actor)
        await self._note_maintenance(incident, reply)
        if channel_id is not None:
            await self.tell(reply, declared_text(self.t, number, channel_id))
        return await self.service.get(number)

    async def _create_channel(self, incident: Incident, reply: ReplyTarget) -> str | None:
        last_code = "name_taken"
        for attempt in range(MAX_NAME_ATTEMPTS):
            name = incident_channel_name(incident.id, incident.title, attempt)
            try:
                channel_id = await self.notifier.create_channel(name)
            except SlackCallFailed as exc:
                last_code = exc.code
                if exc.code == "name_taken":
                    continue
                break
            await self.service.record_channel(incident.id, channel_id=channel_id, channel_name=name)
            return channel_id
        await self.service.note_failure(incident.id, method="conversations.create", code=last_code)
        await self.tell(reply, declared_without_channel(self.t, incident.id, last_code))
        return None

    async def _note_maintenance(self, incident: Incident, reply: ReplyTarget) -> None:
        """An incident on a service under maintenance may be the maintenance itself: say so."""
        window = await self.maintenance.active_for(incident.service) if incident.service else None
        if window is not None:
            await self._announce(incident, reply, maintenance_note(self.t, incident, window))

    async def _announce_in_feed(self, incident: Incident, reply: ReplyTarget) -> None:
        assert self.feed_channel is not None
        feed = self.feed_channel
        text, summary = feed_announcement(self.t, self.severities, incident)
        ts = await self._slack_step(
            incident.id, reply, lambda: self.notifier.post(feed, text, summary), "declare.feed_failed",
            channel=feed,
        )
        if ts:
            await self.service.record_messages(incident.id, feed_channel_id=feed, feed_ts=ts)

    # --- keeping the live messages current --------------------------------------------------------

    async def refresh(self, number: int, reply: ReplyTarget, *, topic: bool = False) -> None:
        async with self._refresh_locks[number]:
            details = await self.service.details(number)
            incident = details.incident
            text = summary_text(self.t, self.severities, incident)
            places = []
            if incident.channel_id and incident.summary_ts:
                places.append((incident.channel_id, incident.summary_ts, False))
            if incident.feed_channel_id and incident.feed_ts:
                places.append((incident.feed_channel_id, incident.feed_ts, True))
            for channel_id, ts, show_channel in places:
                rendered = incident_summary(
                    self.t, self.severities, incident, roles=details.roles, last_update=details.last_update,
                    show_channel=show_channel,
                )
                await self._slack_step(
                    number, reply,
                    lambda c=channel_id, s=ts, r=rendered: self.notifier.edit_message(c, s, text, r),
                    "notice.update_failed",
                )
            if topic and incident.channel_id:
                channel_id = incident.channel_id
                await self._slack_step(
                    number, reply,
                    lambda: self.notifier.set_topic(channel_id, topic_text(self.t, self.severities, incident)),
                    "declare.topic_failed",
                )

    async def _announce(self, incident: Incident, reply: ReplyTarget, text: str) -> None:
        """Say what happened in the incident channel (or the feed when there is none)."""
        channel = incident.channel_id or incident.feed_channel_id
        if channel is None:
            return
        await self._slack_step(
            incident.id, reply, lambda: self.notifier.post(channel, text), "notice.post_failed", channel=channel
        )

    async def _confirm(self, incident: Incident, reply: ReplyTarget, text: str) -> None:
        # Inside the incident channel the announcement is the confirmation.
        if reply.channel_id != incident.channel_id:
            await self.tell(reply, text)

    async def _tell_change(self, incident: Incident, reply: ReplyTarget, notice: Notice, *, topic: bool) -> None:
        """Announce a change, bring the live messages up to date, and confirm to whoever made it."""
        await self._announce(incident, reply, notice.post)
        await self.refresh(incident.id, reply, topic=topic)
        await self._confirm(incident, reply, notice.done)

    # --- lifecycle actions -------------------------------------------------------------------------

    async def acknowledge(self, number: int, actor: str, reply: ReplyTarget) -> Incident:
        incident = await self.service.acknowledge(number, actor)
        await self._tell_change(incident, reply, transition_notice(self.t, Action.ACK, number, actor), topic=True)
        return incident

    async def mitigate(self, number: int, actor: str, reply: ReplyTarget) -> Incident:
        incident = await self.service.mitigate(number, actor)
        await self._tell_change(incident, reply, transition_notice(self.t, Action.MITIGATE, number, actor),
                                topic=True)
        return incident

    async def resolve(self, number: int, actor: str, summary: str | None, reply: ReplyTarget) -> Incident:
        incident = await self.service.resolve(number, actor, summary)
        await self._tell_change(incident, reply, resolve_notice(self.t, incident, actor, summary), topic=True)
        return incident

    async def reopen(self, number: int, actor: str, reply: ReplyTarget) -> Incident:
        incident = await self.service.reopen(number, actor)
        await self._tell_change(incident, reply, transition_notice(self.t, Action.REOPEN, number, actor), topic=True)
        return incident

    async def post_status(self, number: int, actor: str, text: str, reply: ReplyTarget) -> Incident:
        incident = await self.service.post_status(number, actor, text)
        notice = update_notice(self.t, number, actor, text)
        await self._announce(incident, reply, notice.post)
        # The feed keeps everyone else informed: the update goes in the announcement's thread.
        if incident.feed_channel_id and incident.feed_ts and incident.feed_channel_id != incident.channel_id:
            feed, thread = incident.feed_channel_id, incident.feed_ts
            await self._slack_step(
                number, reply, lambda: self.notifier.post(feed, notice.post, thread_ts=thread),
                "notice.post_failed", channel=feed,
            )
        await self.refresh(number, reply)
        await self._confirm(incident, reply, notice.done)
        return incident

    async def change_severity(self, number: int, actor: str, severity: str, reply: ReplyTarget) -> Incident:
        incident, old = await self.service.change_severity(number, actor, severity)
        notice = severity_notice(self.t, self.severities, number, actor, old, severity)
        await self._tell_change(incident, reply, notice, topic=True)
        return incident

    async def assign(self, number: int, actor: str, user_id: str, role: Role, reply: ReplyTarget) -> Incident:
        incident = await self.service.assign(number, actor, user_id, role)
        if incident.channel_id:
            channel_id = incident.channel_id
            await self._slack_step(
                number, reply, lambda: self.notifier.invite(channel_id, [user_id]), "declare.invite_failed",
                users=user_mentions([user_id]),
            )
        await self._tell_change(incident, reply, assign_notice(self.t, number, actor, user_id, role), topic=False)
        return incident

    async def escalate(
        self, number: int, actor: str, reason: str | None, reply: ReplyTarget, request_key: str | None
    ) -> None:
        report = await self.escalation.escalate(number, actor, reason, request_key)
        await self.refresh(number, reply)
        await self.tell(reply, escalate_report(self.t, number, report.sent, report.failed))

