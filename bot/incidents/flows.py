"""Orchestration: a service call, then what Slack must show for it.

Everything here runs after the Slack request was acknowledged. Every Slack failure is caught
per step, recorded on the timeline and told to the person who asked; the database is the truth.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from bot.checklists.service import ChecklistService
from bot.errors import SlackCallFailed
from bot.escalation.service import EscalationService
from bot.i18n import Catalog
from bot.incidents.render import incident_summary, postmortem_due, severity_label, summary_text, topic_text
from bot.incidents.roles import Role
from bot.incidents.service import IncidentService
from bot.incidents.severity import Broadcast, SeverityTable
from bot.logging import get_logger
from bot.maintenance.service import MaintenanceService
from bot.policy.loader import PolicyHolder
from bot.slack.blocks import text_blocks
from bot.slack.client import Notifier, ReplyTarget
from bot.slack.text import date_token, escape, incident_channel_name
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
            await self.tell(reply, self.t(failure_key, number=number, code=exc.code, **params))
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
                users=", ".join(f"<@{p}>" for p in people),
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
            await self.tell(reply, self.t("declare.done", number=number, channel=channel_id))
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
        await self.tell(reply, self.t("declare.done_no_channel", number=incident.id, code=last_code))
        return None

    async def _note_maintenance(self, incident: Incident, reply: ReplyTarget) -> None:
        """An incident on a service under maintenance may be the maintenance itself: say so."""
        window = await self.maintenance.active_for(incident.service) if incident.service else None
        if window is not None:
            await self._announce(incident, reply, self.t(
                "maintenance.incident_note", service=escape(incident.service or ""), id=window.id,
                title=escape(window.title), end=date_token(window.ends_at)))

    async def _announce_in_feed(self, incident: Incident, reply: ReplyTarget) -> None:
        assert self.feed_channel is not None
        feed = self.feed_channel
        severity = self.severities.get(incident.severity)
        summary = incident_summary(self.t, self.severities, incident, show_channel=True)
        text = summary_text(self.t, self.severities, incident)
        if severity is not None and severity.broadcast is not Broadcast.NONE:
            label = severity_label(self.t, self.severities, incident.severity)
            broadcast = self.t(f"broadcast.{severity.broadcast.value}", severity=label)
            text = f"{broadcast} {text}"
            summary = text_blocks(broadcast) + summary
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
                    lambda c=channel_id, s=ts, r=rendered: self.notifier.update(c, s, text, r),
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

    # --- lifecycle actions -------------------------------------------------------------------------

    async def acknowledge(self, number: int, actor: str, reply: ReplyTarget) -> Incident:
        incident = await self.service.acknowledge(number, actor)
        await self._announce(incident, reply, self.t("post.ack", user=actor))
        await self.refresh(number, reply, topic=True)
        await self._confirm(incident, reply, self.t("done.ack", number=number))
        return incident

    async def mitigate(self, number: int, actor: str, reply: ReplyTarget) -> Incident:
        incident = await self.service.mitigate(number, actor)
        await self._announce(incident, reply, self.t("post.mitigate", user=actor))
        await self.refresh(number, reply, topic=True)
        await self._confirm(incident, reply, self.t("done.mitigate", number=number))
        return incident

    async def resolve(self, number: int, actor: str, summary: str | None, reply: ReplyTarget) -> Incident:
        incident = await self.service.resolve(number, actor, summary)
        text = (
            self.t("post.resolve_summary", user=actor, summary=escape(summary))
            if summary
            else self.t("post.resolve", user=actor)
        )
        assert incident.resolved_at is not None
        await self._announce(incident, reply, f"{text}\n{postmortem_due(self.t, incident.resolved_at)}")
        await self.refresh(number, reply, topic=True)
        await self._confirm(incident, reply, self.t("done.resolve", number=number))
        return incident

    async def reopen(self, number: int, actor: str, reply: ReplyTarget) -> Incident:
        incident = await self.service.reopen(number, actor)
        await self._announce(incident, reply, self.t("post.reopen", user=actor))
        await self.refresh(number, reply, topic=True)
        await self._confirm(incident, reply, self.t("done.reopen", number=number))
        return incident

    async def post_update(self, number: int, actor: str, text: str, reply: ReplyTarget) -> Incident:
        incident = await self.service.post_update(number, actor, text)
        await self._announce(incident, reply, self.t("post.update", user=actor, text=escape(text)))
        # The feed keeps everyone else informed: the update goes in the announcement's thread.
        if incident.feed_channel_id and incident.feed_ts and incident.feed_channel_id != incident.channel_id:
            feed, thread = incident.feed_channel_id, incident.feed_ts
            await self._slack_step(
                number, reply,
                lambda: self.notifier.post(feed, self.t("post.update", user=actor, text=escape(text)),
                                           thread_ts=thread),
                "notice.post_failed", channel=feed,
            )
        await self.refresh(number, reply)
        await self._confirm(incident, reply, self.t("done.update", number=number))
        return incident

    async def change_severity(self, number: int, actor: str, severity: str, reply: ReplyTarget) -> Incident:
        incident, old = await self.service.change_severity(number, actor, severity)
        await self._announce(incident, reply, self.t("post.severity", user=actor, old=old, new=severity))
        await self.refresh(number, reply, topic=True)
        label = severity_label(self.t, self.severities, severity)
        await self._confirm(incident, reply, self.t("done.severity", number=number, severity=label))
        return incident

    async def assign(self, number: int, actor: str, user_id: str, role: Role, reply: ReplyTarget) -> Incident:
        incident = await self.service.assign(number, actor, user_id, role)
        if incident.channel_id:
            channel_id = incident.channel_id
            await self._slack_step(
                number, reply, lambda: self.notifier.invite(channel_id, [user_id]), "declare.invite_failed",
                users=f"<@{user_id}>",
            )
        role_label = self.t(f"role.{role.value}")
        await self._announce(incident, reply, self.t("post.assign", user=actor, target=user_id, role=role_label))
        await self.refresh(number, reply)
        await self._confirm(incident, reply, self.t("done.assign", number=number, user=user_id, role=role_label))
        return incident

    async def escalate(
        self, number: int, actor: str, reason: str | None, reply: ReplyTarget, request_key: str | None
    ) -> None:
        report = await self.escalation.escalate(number, actor, reason, request_key)
        await self.refresh(number, reply)
        sent = ", ".join(f"<@{u}>" if u.startswith(("U", "W")) else f"<#{u}>" for u in report.sent) or "—"
        if report.failed:
            failed = ", ".join(f"{target} ({code})" for target, code in report.failed)
            await self.tell(reply, self.t("done.escalate_failed", number=number, sent=sent, failed=failed))
        else:
            await self.tell(reply, self.t("done.escalate", number=number, sent=sent))
