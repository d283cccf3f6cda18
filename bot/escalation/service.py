"""The escalation engine: pages tiers when the manual says so, through the outbox (bot/escalation/paging.py).

A tier is reached when its pages are owed: a page that Slack cannot take right now (429, 5xx, a network
error) is retried and does not count as "nobody reachable", so the next tier keeps its clock through a
Slack outage. Only targets that can never be paged (nobody on call, `user_not_found`, …) bring the next
tier forward. The pages of a firing and the plan for the next tier commit together, so a firing that runs
again (a crash, an expired lease) finds its pages owed and the next tier planned, and repeats neither.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.deps import Deps, DomainService
from bot.errors import InvalidTransition, NotFound
from bot.escalation.paging import Pager, PageReport, TierPlan
from bot.escalation.render import resolve_target, tier_label
from bot.incidents.deadlines import ESCALATE, RESOLVE_DEADLINE, UPDATE_NUDGE, tier_data
from bot.incidents.lifecycle import OPEN_STATUSES, Status
from bot.incidents.service import IncidentService
from bot.oncall.service import OnCallService
from bot.scheduling.timers import Firing
from storage.models import Incident
from storage.repositories import incidents as repo

UNACKNOWLEDGED = (Status.DECLARED.value, Status.REOPENED.value)

__all__ = ["UNACKNOWLEDGED", "EscalationService", "PageReport"]


class EscalationService(DomainService):
    def __init__(self, deps: Deps, *, incidents: IncidentService, oncall: OnCallService) -> None:
        super().__init__(deps)
        self.incidents = incidents
        self.pager = Pager(outbox=self.outbox, notifier=self.notifier, incidents=incidents, oncall=oncall,
                           policy=self.policy, catalog=self.t)
        self.timers.on(ESCALATE, self.fire_escalation)
        self.timers.on(RESOLVE_DEADLINE, self.fire_resolve_deadline)
        self.timers.on(UPDATE_NUDGE, self.fire_update_nudge)

    # --- tiers ----------------------------------------------------------------------------------------------

    async def _plan_tier(self, incident: Incident, tier_index: int) -> TierPlan:
        tier = (incident.escalation_snapshot or {})["tiers"][tier_index]
        return await self.pager.plan(tier, tier_label(self.t, tier, tier_index + 1))

    async def _owe_tier_and_plan_next(
        self, session: AsyncSession, incident: Incident, plan: TierPlan, tier_index: int, round_index: int, *,
        key: str, reason: dict[str, Any], late_by: timedelta | None, kick: bool = False,
    ) -> PageReport:
        """Owe a tier's pages, note it as paged and plan the next tier, in the caller's transaction.
        `kick`: delivered by the outbox's background drain after the commit (timer firings)."""
        snapshot = incident.escalation_snapshot or {}
        tiers: list[dict[str, Any]] = snapshot.get("tiers", [])
        following: tuple[int, int] | None = None
        if tier_index + 1 < len(tiers):
            following = (tier_index + 1, round_index)
        elif round_index < int(snapshot.get("repeat", 0)):
            following = (0, round_index + 1)
        next_key = f"{key}:next"
        report = await self.pager.owe(session, incident, plan, key=key, purpose="escalation",
                                      tier_number=tier_index + 1, reason=reason, late_by=late_by,
                                      next_key=next_key if following else None, kick=kick)
        if (round_index, tier_index + 1) > (incident.escalation_round, incident.escalation_level):
            # Not when this firing runs again (a lease that ran out) after a later tier was paged.
            await self.incidents.record_escalation(incident.id, level=tier_index + 1, round_index=round_index,
                                                   session=session)
        if following is not None:
            now = self.clock.now()
            wait = timedelta(seconds=int(tiers[tier_index].get("wait_seconds", 900)))
            # Nobody could be reached at all: the next tier now, not after the wait.
            due = now + wait if report.reached else now
            await self.timers.schedule(
                ESCALATE, due, {"tier": following[0], "round": following[1], "reason": "ack_timeout"},
                incident_id=incident.id, dedupe_key=next_key, session=session,
            )
        return report

    # --- timers ---------------------------------------------------------------------------------------------

    async def _incident_or_none(self, firing: Firing) -> Incident | None:
        if firing.incident_id is None:
            return None
        try:
            return await self.incidents.get(firing.incident_id)
        except NotFound:
            return None

    async def fire_escalation(self, firing: Firing) -> str:
        incident = await self._incident_or_none(firing)
        if incident is None:
            return "skipped_no_incident"
        if incident.status not in UNACKNOWLEDGED:
            return "skipped_acknowledged"
        tier_index = int(firing.payload.get("tier", 0))
        if tier_index >= len((incident.escalation_snapshot or {}).get("tiers", [])):
            return "skipped_no_tier"
        plan = await self._plan_tier(incident, tier_index)
        round_index = int(firing.payload.get("round", 0))
        at_seconds = (incident.escalation_snapshot or {})["tiers"][tier_index].get("at_seconds")
        reason: dict[str, Any] = {"reason": "ack_timeout"}
        if at_seconds is not None and round_index == 0:  # a tier time from the declaration ("L2 at 30m")
            reason = {"reason": "tier_time", "after_seconds": int(at_seconds)}
        async with self.sessions.begin() as session:
            await self._owe_tier_and_plan_next(
                session, incident, plan, tier_index, round_index, key=f"job:{firing.id}",
                reason=reason, late_by=firing.lateness if firing.late else None, kick=True)
        # The outbox delivers the pages once this commits; the firing does not wait for Slack.
        return "paged"

    async def fire_resolve_deadline(self, firing: Firing) -> str:
        incident = await self._incident_or_none(firing)
        if incident is None or incident.status not in OPEN_STATUSES:
            return "skipped_resolved"
        target = resolve_target(self.t, self.policy.severities.get(incident.severity))
        reason = {"reason": "breach", "target": target}
        key = f"job:{firing.id}"
        managers = self.policy.policy.manager_tier
        plan = await self.pager.plan(tier_data(managers), "") if managers is not None else None
        async with self.sessions.begin() as session:
            await repo.add_timeline(incident.id, session=session, at=self.clock.now(), actor_id=None,
                                    kind="resolve_breach", data={"target": target})
            # Delivered by the outbox once this commits; the firing does not wait for Slack.
            if incident.channel_id:
                await self.pager.owe_notice(session, incident, key=f"{key}:warning", target=incident.channel_id,
                                            via="channel", purpose="manager", reason=reason, kick=True)
            if plan is not None:
                await self.pager.owe(session, incident, plan, key=key, purpose="manager", tier_number=None,
                                     reason=reason, late_by=firing.lateness if firing.late else None, kick=True)
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
        reason = {"reason": "nudge", "window_seconds": int(severity.update_every.total_seconds())}
        async with self.sessions.begin() as session:
            await self.pager.owe_notice(session, incident, key=f"job:{firing.id}:nudge", target=commander,
                                        via="dm", purpose="nudge", reason=reason, kick=True)
            await repo.add_timeline(incident.id, session=session, at=now, actor_id=None, kind="nudged",
                                    data={"target": commander})
            await self.timers.schedule(UPDATE_NUDGE, now + severity.update_every, {}, incident_id=incident.id,
                                       dedupe_key=f"job:{firing.id}:next", session=session)
        return "nudged"

    # --- on demand ------------------------------------------------------------------------------------------

    async def declare_plan(self, severity_id: str) -> TierPlan | None:
        """Who a new incident of this severity tells at once (001: Critical → the leads); found before the
        transaction that records the incident, because user groups are expanded through Slack."""
        severity = self.policy.policy.severity(severity_id)
        if severity is None or severity.notify_on_declare is None:
            return None
        return await self.pager.plan(tier_data(severity.notify_on_declare), "")

    async def owe_declared(self, session: AsyncSession, incident: Incident, plan: TierPlan | None,
                           *, key: str) -> PageReport:
        if plan is None:
            return PageReport()
        return await self.pager.owe(session, incident, plan, key=key, purpose="declare", tier_number=None,
                                    reason={"reason": "declare"})

    async def escalate(self, number: int, actor: str, reason: str | None, request_key: str | None) -> PageReport:
        """Page the next tier now (`/incident escalate`, the Escalate button)."""
        await self.incidents.access.require("escalate", actor)
        incident = self._escalatable(number, await self.incidents.get(number))
        tier_index, round_index = incident.escalation_level, incident.escalation_round
        if tier_index >= len((incident.escalation_snapshot or {})["tiers"]):
            tier_index, round_index = 0, round_index + 1
        plan = await self._plan_tier(incident, tier_index)
        # Stop the timed escalation, note the manual one and owe its pages in one unit of work.
        async with self.sessions.begin() as session:
            incident = self._escalatable(number, await self.incidents.get(number, session=session))
            await self.timers.cancel(number, (ESCALATE,), session=session)
            await repo.add_timeline(number, session=session, at=self.clock.now(), actor_id=actor, kind="escalated",
                                    data={"text": reason or ""})
            report = await self._owe_tier_and_plan_next(
                session, incident, plan, tier_index, round_index, key=f"manual:{request_key or uuid.uuid4().hex}",
                reason={"reason": "manual", "text": reason, "actor": actor}, late_by=None)
        return await self.pager.deliver(report, plan)

    @staticmethod
    def _escalatable(number: int, incident: Incident) -> Incident:
        if incident.status not in OPEN_STATUSES:
            raise InvalidTransition("error.invalid_transition", number=number, status=incident.status,
                                    action="escalate")
        snapshot = incident.escalation_snapshot
        if not snapshot or not snapshot.get("tiers"):
            raise InvalidTransition("error.no_escalation_policy", number=number, severity=incident.severity)
        return incident
