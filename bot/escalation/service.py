"""The escalation engine: pages tiers when the manual says so, exactly once per target and firing.

Every page is a row in `pages` written before Slack is called, keyed by what caused it (timer id or
request id, tier, target, channel of delivery). A firing that is retried after a crash finds its rows
and skips those targets, so nobody is paged twice; a failed delivery is recorded with Slack's reason,
the next target is still paged, and the commander is told.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.deps import Deps, DomainService
from bot.errors import InvalidTransition, NotFound, SlackCallFailed
from bot.escalation.render import (
    declare_reason,
    nudge_text,
    page_failures_text,
    page_message,
    page_reason,
    page_text,
    paged_post,
    resolve_breach_text,
    resolve_target,
    tier_label,
)
from bot.incidents.deadlines import ESCALATE, RESOLVE_DEADLINE, UPDATE_NUDGE, tier_data
from bot.incidents.lifecycle import OPEN_STATUSES, Status
from bot.incidents.service import IncidentService
from bot.logging import get_logger
from bot.oncall.service import OnCallService
from bot.scheduling.timers import Firing
from storage.models import Incident
from storage.repositories import incidents as repo
from storage.repositories import pages

log = get_logger(__name__)

UNACKNOWLEDGED = (Status.DECLARED.value, Status.REOPENED.value)


@dataclass
class PageReport:
    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


class EscalationService(DomainService):
    def __init__(self, deps: Deps, *, incidents: IncidentService, oncall: OnCallService) -> None:
        super().__init__(deps)
        self.incidents = incidents
        self.oncall = oncall
        self.timers.on(ESCALATE, self.fire_escalation)
        self.timers.on(RESOLVE_DEADLINE, self.fire_resolve_deadline)
        self.timers.on(UPDATE_NUDGE, self.fire_update_nudge)

    # --- delivering pages ----------------------------------------------------------------------------

    async def _claim_page(self, key: str, incident: Incident, purpose: str, tier: int | None, target: str,
                          via: str) -> int | None:
        """Write the page row first, in its own transaction; None when this exact page was already made."""
        async with self.sessions.begin() as session:
            return await pages.claim_page(key, session=session, incident_id=incident.id, purpose=purpose, tier=tier,
                                          target=target, via=via, at=self.clock.now())

    async def _settle_page(self, page_id: int, incident: Incident, target: str, via: str, tier: int | None,
                           error: str | None) -> None:
        async with self.sessions.begin() as session:
            await pages.settle_page(page_id, session=session, error=error)
            await repo.add_timeline(
                incident.id, session=session, at=self.clock.now(), actor_id=None,
                kind="page_failed" if error else "paged",
                data={"target": target, "via": via, "tier": tier if tier is not None else "-",
                      **({"reason": error} if error else {})},
            )

    async def _deliver(self, key: str, incident: Incident, purpose: str, tier: int | None, target: str, via: str,
                       send: Any, report: PageReport) -> None:
        page_id = await self._claim_page(key, incident, purpose, tier, target, via)
        if page_id is None:
            return
        try:
            await send()
        except SlackCallFailed as exc:
            await self._settle_page(page_id, incident, target, via, tier, exc.code)
            report.failed.append((target, exc.code))
            return
        await self._settle_page(page_id, incident, target, via, tier, None)
        report.sent.append(target)

    async def already_paged(self, incident_id: int) -> list[str]:
        async with self.sessions() as session:
            return await pages.dm_targets_paged(incident_id, session=session)

    async def page_tier(
        self,
        incident: Incident,
        tier: dict[str, Any],
        *,
        tier_number: int | None,
        key: str,
        purpose: str,
        reason: str,
        late_by: timedelta | None = None,
    ) -> PageReport:
        """Page every target of a tier: DMs to people (groups expanded), posts to channels, a mention."""
        report = PageReport()
        notify = set(tier.get("notify", ["dm", "mention"]))
        tier_name = tier_label(self.t, tier, tier_number)
        paged_before = await self.already_paged(incident.id)
        people: list[str] = list(tier.get("users", []))
        # A rotation resolves to whoever is on call at paging time, overrides included.
        for rotation in tier.get("rotations", []):
            person = await self.oncall.who(rotation)
            if person is None:
                page_id = await self._claim_page(f"{key}:{rotation}:rotation", incident, purpose, tier_number,
                                                 rotation, "dm")
                if page_id is not None:
                    await self._settle_page(page_id, incident, rotation, "dm", tier_number, "nobody_on_call")
                    report.failed.append((rotation, "nobody_on_call"))
            elif person not in people:
                people.append(person)
        mentions = [f"<@{u}>" for u in people]
        for group in tier.get("usergroups", []):
            mentions.append(f"<!subteam^{group}>")
            try:
                members = await self.notifier.usergroup_members(group)
            except SlackCallFailed as exc:
                page_id = await self._claim_page(f"{key}:{group}:expand", incident, purpose, tier_number, group,
                                                 "dm")
                if page_id is not None:
                    await self._settle_page(page_id, incident, group, "dm", tier_number, exc.code)
                    report.failed.append((f"<!subteam^{group}>", exc.code))
                continue
            people.extend(m for m in members if m not in people)
        if "dm" in notify:
            page_blocks = page_message(
                self.t, self.policy.severities, incident, now=self.clock.now(), reason=reason, tier_name=tier_name,
                paged_before=paged_before, late_by=late_by,
            )
            text = page_text(self.t, self.policy.severities, incident, reason)
            for person in people:
                await self._deliver(f"{key}:{person}:dm", incident, purpose, tier_number, person, "dm",
                                    lambda p=person: self.notifier.post(p, text, page_blocks), report)
        for channel in tier.get("channels", []):
            text = paged_post(self.t, tier_name, f"<#{incident.channel_id or channel}>", reason)
            await self._deliver(f"{key}:{channel}:channel", incident, purpose, tier_number, channel, "channel",
                                lambda c=channel, x=text: self.notifier.post(c, x), report)
        if "mention" in notify and incident.channel_id and mentions:
            channel_id = incident.channel_id
            text = paged_post(self.t, tier_name, " ".join(mentions), reason)
            await self._deliver(f"{key}:{channel_id}:mention", incident, purpose, tier_number, channel_id,
                                "mention", lambda: self.notifier.post(channel_id, text), report)
        if report.failed:
            await self._tell_commander_of_failures(incident, report)
        return report

    async def _tell_commander_of_failures(self, incident: Incident, report: PageReport) -> None:
        text = page_failures_text(self.t, incident.id, report.failed)
        where = incident.commander_id or incident.channel_id
        if where is None:
            return
        try:
            await self.notifier.post(where, text)
        except SlackCallFailed as exc:
            log.error("commander_not_told", incident=incident.id, code=exc.code)

    # --- timers -----------------------------------------------------------------------------------------

    async def _incident_or_none(self, firing: Firing) -> Incident | None:
        if firing.incident_id is None:
            return None
        try:
            return await self.incidents.get(firing.incident_id)
        except NotFound:
            return None

    def _reason(self, incident: Incident, payload: dict[str, Any], actor: str | None = None) -> str:
        return page_reason(self.t, self.policy.severities.get(incident.severity), payload, actor)

    async def _page_and_plan_next(
        self, incident: Incident, tier_index: int, round_index: int, *, key: str, reason: str,
        late_by: timedelta | None, next_key: str,
    ) -> PageReport:
        snapshot = incident.escalation_snapshot or {}
        tiers: list[dict[str, Any]] = snapshot.get("tiers", [])
        tier = tiers[tier_index]
        report = await self.page_tier(incident, tier, tier_number=tier_index + 1, key=key, purpose="escalation",
                                      reason=reason, late_by=late_by)
        following: tuple[int, int] | None = None
        if tier_index + 1 < len(tiers):
            following = (tier_index + 1, round_index)
        elif round_index < int(snapshot.get("repeat", 0)):
            following = (0, round_index + 1)
        # The tier paged and the next one planned commit together, after the Slack calls.
        async with self.sessions.begin() as session:
            await self.incidents.record_escalation(incident.id, level=tier_index + 1, round_index=round_index,
                                                   session=session)
            if following is not None:
                due = self.clock.now() + timedelta(seconds=int(tier.get("wait_seconds", 900)))
                if not report.sent:
                    due = self.clock.now()  # nobody could be reached: the next tier now, not after the wait
                await self.timers.schedule(
                    ESCALATE, due, {"tier": following[0], "round": following[1], "reason": "ack_timeout"},
                    incident_id=incident.id, dedupe_key=next_key, session=session,
                )
        return report

    async def fire_escalation(self, firing: Firing) -> str:
        incident = await self._incident_or_none(firing)
        if incident is None:
            return "skipped_no_incident"
        if incident.status not in UNACKNOWLEDGED:
            return "skipped_acknowledged"
        tiers = (incident.escalation_snapshot or {}).get("tiers", [])
        tier_index = int(firing.payload.get("tier", 0))
        if tier_index >= len(tiers):
            return "skipped_no_tier"
        await self._page_and_plan_next(
            incident, tier_index, int(firing.payload.get("round", 0)), key=f"job:{firing.id}",
            reason=self._reason(incident, firing.payload), late_by=firing.lateness if firing.late else None,
            next_key=f"job:{firing.id}:next",
        )
        return "paged"

    async def fire_resolve_deadline(self, firing: Firing) -> str:
        incident = await self._incident_or_none(firing)
        if incident is None or incident.status not in OPEN_STATUSES:
            return "skipped_resolved"
        target = resolve_target(self.t, self.policy.severities.get(incident.severity))
        warning = resolve_breach_text(self.t, incident.id, target)
        async with self.sessions.begin() as session:
            await repo.add_timeline(incident.id, session=session, at=self.clock.now(), actor_id=None,
                                    kind="resolve_breach", data={"target": target})
        if incident.channel_id:
            channel_id = incident.channel_id
            report = PageReport()
            await self._deliver(f"job:{firing.id}:{channel_id}:warning", incident, "manager", None, channel_id,
                                "channel", lambda: self.notifier.post(channel_id, warning), report)
        managers = self.policy.policy.manager_tier
        if managers is not None:
            await self.page_tier(incident, tier_data(managers), tier_number=None, key=f"job:{firing.id}",
                                 purpose="manager", reason=warning,
                                 late_by=firing.lateness if firing.late else None)
        return "warned"

    async def fire_update_nudge(self, firing: Firing) -> str:
        incident = await self._incident_or_none(firing)
        if incident is None or incident.status not in OPEN_STATUSES:
            return "skipped_resolved"
        severity = self.policy.policy.severity(incident.severity)
        if severity is None or severity.update_every is None:
            return "skipped_no_cadence"
        now = self.clock.now()
        last = incident.last_update_at or incident.declared_at
        if now - last < severity.update_every:
            # An update came in meanwhile: check again one window after it.
            await self.timers.schedule(UPDATE_NUDGE, last + severity.update_every, {}, incident_id=incident.id,
                                       dedupe_key=f"job:{firing.id}:next")
            return "updated_recently"
        commander = incident.commander_id or incident.declared_by
        text = nudge_text(self.t, incident.id, severity.update_every)
        report = PageReport()
        await self._deliver(f"job:{firing.id}:{commander}:nudge", incident, "nudge", None, commander, "dm",
                            lambda: self.notifier.post(commander, text), report)
        async with self.sessions.begin() as session:
            await repo.add_timeline(incident.id, session=session, at=now, actor_id=None, kind="nudged",
                                    data={"target": commander})
            await self.timers.schedule(UPDATE_NUDGE, now + severity.update_every, {}, incident_id=incident.id,
                                       dedupe_key=f"job:{firing.id}:next", session=session)
        return "nudged"

    # --- on demand ------------------------------------------------------------------------------------------

    async def on_declared(self, incident: Incident) -> PageReport | None:
        """Severities with `notify_on_declare` tell their people at once (001: Critical → the leads)."""
        severity = self.policy.policy.severity(incident.severity)
        if severity is None or severity.notify_on_declare is None:
            return None
        return await self.page_tier(incident, tier_data(severity.notify_on_declare), tier_number=None,
                                    key=f"declare:{incident.id}", purpose="declare",
                                    reason=declare_reason(self.t, self.policy.severities, incident.severity))

    async def escalate(self, number: int, actor: str, reason: str | None, request_key: str | None) -> PageReport:
        """Page the next tier now (`/incident escalate`, the Escalate button)."""
        await self.incidents.access.require("escalate", actor)
        # Read, stop the timed escalation and note the manual one in one unit of work; page after it.
        async with self.sessions.begin() as session:
            incident = await self.incidents.get(number, session=session)
            if incident.status not in OPEN_STATUSES:
                raise InvalidTransition("error.invalid_transition", number=number, status=incident.status,
                                        action="escalate")
            snapshot = incident.escalation_snapshot
            if not snapshot or not snapshot.get("tiers"):
                raise InvalidTransition("error.no_escalation_policy", number=number, severity=incident.severity)
            await self.timers.cancel(number, (ESCALATE,), session=session)
            await repo.add_timeline(number, session=session, at=self.clock.now(), actor_id=actor, kind="escalated",
                                    data={"text": reason or ""})
        tier_index, round_index = incident.escalation_level, incident.escalation_round
        if tier_index >= len(snapshot["tiers"]):
            tier_index, round_index = 0, round_index + 1
        key = f"manual:{request_key or uuid.uuid4().hex}"
        payload = {"reason": "manual", "text": reason, "actor": actor}
        return await self._page_and_plan_next(
            incident, tier_index, round_index, key=key, reason=self._reason(incident, payload, actor),
            late_by=None, next_key=f"{key}:next",
        )
