"""One alert group (an incident key) in one unit of work: open, attach, reopen, record; then resolve or
acknowledge as the alerts say. Incidents change only through the incidents service, with their Slack
effects owed in its transaction exactly as a hand-declared incident's are (bot/incidents/flows.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.parsing import ACKNOWLEDGED, FIRING, RESOLVED, AlertEvent
from bot.alerts.render import ask_resolve
from bot.alerts.routing import Routed, route
from bot.errors import InvalidTransition, PermissionDenied
from bot.incidents.deadlines import ALL_KINDS, schedule_deadlines
from bot.incidents.lifecycle import OPEN_STATUSES, Action, Status
from bot.incidents.render import resolve_notice, transition_notice
from bot.logging import get_logger
from bot.policy.alerts import ResolveMode
from storage.alerts_models import Alert, AlertGroup
from storage.models import Incident, MaintenanceWindow
from storage.repositories import alerts as repo
from storage.repositories import incidents as incident_rows

if TYPE_CHECKING:
    from bot.alerts.service import AlertService

log = get_logger(__name__)

# Alert changes noted one by one on the timeline per unit of work; the rest as one "and N more" line.
TIMELINE_PER_UNIT = 10


class Raced(Exception):
    """Another process recorded the same group or alert first: this unit rolls back and is retried."""


@dataclass(frozen=True)
class Change:
    kind: str  # alert_fired, alert_resolved
    title: str


class GroupUnit:
    def __init__(self, alerts: AlertService, source: str, group_key: str, events: list[AlertEvent],
                 windows: dict[str | None, MaintenanceWindow | None]) -> None:
        self.a = alerts
        self.source = source
        self.group_key = group_key
        self.events = events
        self.config = alerts.config
        self.now = alerts.clock.now()
        policy = alerts.policy.policy
        ids = tuple(s.id for s in policy.severities)
        fallback = policy.default_severity or ids[-1]
        self.routed: list[Routed] = [route(e, self.config, ids, fallback) for e in events]
        self.windows = windows
        self.actor = self.config.declared_by
        self.flows = alerts.flows

    async def run(self) -> None:
        for event, routed in zip(self.events, self.routed, strict=True):
            if event.status == FIRING and routed.service not in self.windows:
                self.windows[routed.service] = await self.a.maintenance.active_for(routed.service, self.now)
        async with self.a.sessions() as session:
            group = await repo.get_group(self.source, self.group_key, session=session)
            incident = (await incident_rows.get_incident(group.incident_id, session=session)
                        if group is not None and group.incident_id is not None else None)
        is_open = incident is not None and Status(incident.status) in OPEN_STATUSES
        opens = any(e.status == FIRING and self._window(r) is None for e, r in zip(self.events, self.routed,
                                                                                    strict=True))
        if opens and not is_open:
            if incident is not None and incident.resolved_at is not None \
                    and self.now - incident.resolved_at <= self.config.reopen_within:
                incident = await self._reopen(incident)
            else:
                incident = await self._declare()
        else:
            async with self.a.sessions.begin() as session:
                await self._record(session, incident if is_open else None, group)
        self.a.outbox.kick()
        if incident is not None:
            await self._settle_incident(incident.id)

    def _window(self, routed: Routed) -> MaintenanceWindow | None:
        return self.windows.get(routed.service)

    # --- recording -------------------------------------------------------------------------------------

    async def _group(self, session: AsyncSession, group: AlertGroup | None, incident: Incident) -> AlertGroup:
        if group is None:
            group = await repo.get_group(self.source, self.group_key, session=session)
        if group is None:
            group = AlertGroup(source=self.source, group_key=self.group_key, incident_id=incident.id,
                               opened_at=self.now)
            if not await repo.add_group(group, session=session):
                raise Raced(self.group_key)
        elif group.incident_id != incident.id:
            await repo.update_group(group.id, session=session, values={
                "incident_id": incident.id, "opened_at": self.now, "live_channel": None, "live_ts": None,
                "resolve_prompted_at": None})
        return group

    async def _record(self, session: AsyncSession, incident: Incident | None, group: AlertGroup | None) -> list[Change]:
        """Store what arrived; returns the changes the incident's timeline should show."""
        if incident is not None:
            group = await self._group(session, group, incident)
        keys = list(dict.fromkeys(e.alert_key for e in self.events if e.status != ACKNOWLEDGED))
        stored = await repo.alerts_by_key(self.source, keys, session=session)
        changes: list[Change] = []
        new: list[Alert] = []
        for event, routed in zip(self.events, self.routed, strict=True):
            if event.status == ACKNOWLEDGED:
                continue
            window = self._window(routed) if event.status == FIRING else None
            alert = stored.get(event.alert_key)
            already_attached = alert is not None and incident is not None and alert.incident_id == incident.id
            attach = incident is not None and (window is None or already_attached)
            values = {"title": routed.title, "severity": routed.severity, "service": routed.service,
                      "labels": event.labels, "raw": event.raw}
            if attach:
                assert incident is not None and group is not None
                values |= {"incident_id": incident.id, "group_id": group.id, "suppressed_by": None}
            elif window is not None:
                values |= {"suppressed_by": window.id}
            if alert is None:
                alert = Alert(source=self.source, alert_key=event.alert_key, status=event.status,
                              first_seen=self.now, last_seen=self.now, received=1,
                              resolved_at=self.now if event.status == RESOLVED else None, **values)
                new.append(alert)
                stored[event.alert_key] = alert
                changed = True
            else:
                changed = alert.status != event.status or not already_attached
                repo.touch(alert, status=event.status, now=self.now, values=values)
            if attach and changed:
                changes.append(Change("alert_fired" if event.status == FIRING else "alert_resolved", routed.title))
        # One flush for the new alerts; another process adding the same alert first fails this unit, which
        # rolls back whole and is retried (it then finds the alert).
        await repo.add_alerts(new, session=session)
        if incident is not None:
            # A storm is a few lines on the timeline, not one per alert.
            for change in changes[:TIMELINE_PER_UNIT]:
                await incident_rows.add_timeline(incident.id, session=session, at=self.now, actor_id=None,
                                                 kind=change.kind, data={"source": self.source, "title": change.title})
            if len(changes) > TIMELINE_PER_UNIT:
                await incident_rows.add_timeline(incident.id, session=session, at=self.now, actor_id=None,
                                                 kind="alerts_more", data={"source": self.source,
                                                                           "count": len(changes) - TIMELINE_PER_UNIT})
            if any(c.kind == "alert_fired" for c in changes) and group is not None:
                await repo.update_group(group.id, session=session, values={"resolve_prompted_at": None})
            await self.a.slack.owe_live(session, incident, delay_seconds=self.config.update_every.total_seconds())
        return changes

    # --- opening -----------------------------------------------------------------------------------------

    def _first_firing(self) -> tuple[AlertEvent, Routed]:
        return next((e, r) for e, r in zip(self.events, self.routed, strict=True)
                    if e.status == FIRING and self._window(r) is None)

    async def _declare(self) -> Incident:
        event, routed = self._first_firing()
        severities = self.a.policy.policy.severities
        rank = {s.id: i for i, s in enumerate(severities)}
        # The group's most severe firing alert sets the incident's severity.
        severity = min((r.severity for e, r in zip(self.events, self.routed, strict=True)
                        if e.status == FIRING and self._window(r) is None), key=lambda s: rank.get(s, 99))
        on_call = await self.flows.escalation.pager.oncall.who(routed.rotation) if routed.rotation else None
        commander = on_call or routed.commander or self.config.commander or self.actor
        plan = await self.flows.escalation.declare_plan(severity)
        description = event.annotations.get("description") or event.summary

        async def effects(session: AsyncSession, incident: Incident) -> None:
            if routed.escalation:
                await self._escalate_by_route(session, incident, routed.escalation)
            await self.flows.slack.owe_setup(session, incident, [commander], self.flows.feed_channel)
            await self.flows.escalation.owe_declared(session, incident, plan, key=f"declare:{incident.id}")
            await self.flows.slack.owe_checklist(session, incident, self.actor)
            await self._record(session, incident, None)

        incident, _created = await self.a.incidents.declare(
            title=routed.title, severity=severity, declared_by=self.actor, commander_id=commander,
            service=routed.service, description=description[:2000] if description else None, effects=effects)
        log.info("alert_declared", incident=incident.id, source=self.source, severity=severity)
        return incident

    async def _escalate_by_route(self, session: AsyncSession, incident: Incident, chain: str) -> None:
        """The route's escalation policy instead of the severity's: the deadlines scheduled by the declare
        are replaced in its transaction (as a severity change replaces them)."""
        policy = self.a.policy.policy
        severity = policy.severity(incident.severity)
        if severity is None or chain not in policy.escalation_policies:
            return
        routed_policy = policy.model_copy(update={"severities": [
            s.model_copy(update={"escalation": chain}) if s.id == severity.id else s for s in policy.severities]})
        await self.a.timers.cancel(incident.id, ALL_KINDS, session=session)
        incident.escalation_snapshot = await schedule_deadlines(self.a.timers, session, routed_policy, incident,
                                                                start=incident.declared_at, tag="alert-route")

    async def _reopen(self, incident: Incident) -> Incident:
        _event, routed = self._first_firing()

        async def effects(session: AsyncSession, reopened: Incident) -> None:
            notice = transition_notice(self.a.t, Action.REOPEN, reopened.id, self.actor)
            await self._announce(session, reopened, notice.post)
            await incident_rows.add_timeline(reopened.id, session=session, at=self.now, actor_id=None,
                                             kind="alert_reopened", data={"source": self.source, "title": routed.title})
            await self._record(session, reopened, None)

        reopened = await self.a.incidents.reopen(incident.id, self.actor, effects=effects)
        log.info("alert_reopened", incident=incident.id, source=self.source)
        return reopened

    async def _announce(self, session: AsyncSession, incident: Incident, text: str) -> None:
        key = f"announce:incident {incident.id}:{uuid.uuid4().hex}"
        await self.flows.slack.owe_announcement(session, incident, key, text)
        await self.flows.slack.owe_refresh(session, incident, topic=True)

    # --- acknowledging and resolving -----------------------------------------------------------------------

    async def _settle_incident(self, number: int) -> None:
        incident = await self.a.incidents.get(number)
        if Status(incident.status) not in OPEN_STATUSES:
            return
        if any(e.status == ACKNOWLEDGED for e in self.events) and incident.status in (Status.DECLARED,
                                                                                     Status.REOPENED):
            await self._acknowledge(number)
        if not any(e.status == RESOLVED for e in self.events):
            return
        async with self.a.sessions() as session:
            firing, _resolved, _received = await repo.incident_alert_counts(number, session=session)
        if firing:
            return
        if self.config.resolve is ResolveMode.AUTO:
            try:
                await self._resolve(number)
                return
            except PermissionDenied:
                log.warning("alert_resolve_not_permitted", incident=number, actor=self.actor)
        await self._ask(number)

    async def _acknowledge(self, number: int) -> None:
        async def effects(session: AsyncSession, incident: Incident) -> None:
            await self._announce(session, incident, transition_notice(self.a.t, Action.ACK, number, self.actor).post)
            await incident_rows.add_timeline(number, session=session, at=self.now, actor_id=None,
                                             kind="alert_acknowledged", data={"source": self.source})

        try:
            await self.a.incidents.acknowledge(number, self.actor, effects=effects)
        except InvalidTransition:
            return  # acknowledged meanwhile
        self.a.outbox.kick()

    async def _resolve(self, number: int) -> None:
        summary = str(self.a.t("alerts.auto_resolved"))

        async def effects(session: AsyncSession, incident: Incident) -> None:
            await self._announce(session, incident, resolve_notice(self.a.t, incident, self.actor, summary).post)
            await self.flows.checklists.end_for_incident(incident.id, session=session)
            await self.flows.reminders.cancel_for_incident(incident.id, session=session)

        try:
            await self.a.incidents.resolve(number, self.actor, summary, effects=effects)
        except InvalidTransition:
            return
        self.a.outbox.kick()

    async def _ask(self, number: int) -> None:
        """Post the "resolve?" prompt once per time all alerts resolved (a new firing alert re-arms it)."""
        async with self.a.sessions.begin() as session:
            group = await repo.get_group(self.source, self.group_key, session=session)
            if group is None or group.resolve_prompted_at is not None:
                return
            incident = await self.a.incidents.get(number, session=session)
            await repo.update_group(group.id, session=session, values={"resolve_prompted_at": self.now})
            text, blocks = ask_resolve(self.a.t, number)
            key = f"alerts-ask:incident {number}:{self.now.isoformat()}"
            await self.flows.slack.owe_announcement(session, incident, key, text, blocks=blocks)
        self.a.outbox.kick()
