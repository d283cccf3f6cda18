"""Incident records and the rules that change them: declare, lifecycle, roles, severity; never Slack.

What Slack shows after each change is bot/incidents/flows.py's business. Every operation here is one
unit of work: what it reads and what it writes share a transaction, and no Slack call happens inside.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.deps import Deps, DomainService
from bot.errors import InvalidTransition, NotFound, UsageError
from bot.incidents.archive import schedule_archive, unarchive_on_reopen
from bot.incidents.commands import Command, Escalate, PostUpdate, Resolve
from bot.incidents.deadlines import ALL_KINDS, ESCALATE, schedule_deadlines
from bot.incidents.lifecycle import OPEN_STATUSES, Action, Status, allowed_from, target_of
from bot.incidents.listing import ListFilters, search
from bot.incidents.roles import Role
from bot.incidents.severity import SeverityTable
from bot.incidents.types import is_private, visible_to
from storage.models import Incident, IncidentRole, ScheduledJob, TimelineEntry
from storage.repositories import incident_types as types_repo
from storage.repositories import incidents as repo


@dataclass(frozen=True)
class IncidentDetails:
    incident: Incident
    roles: Sequence[IncidentRole]
    last_update: TimelineEntry | None


@dataclass(frozen=True)
class IncidentStatus:
    """What `/incident status` shows: the details and the timers still to fire."""

    details: IncidentDetails
    pending: Sequence[ScheduledJob]


# What a change owes Slack, written in the change's own transaction (bot/incidents/flows.py decides what).
Effects = Callable[[AsyncSession, Incident], Awaitable[None]]


async def _no_effects(_session: AsyncSession, _incident: Incident) -> None:
    return None


def _seconds_since(start: datetime, now: datetime) -> int:
    return int((now - start).total_seconds())


def _acknowledged_by_acting(incident: Incident, actor: str, now: datetime) -> dict[str, Any]:
    """Mitigating or resolving is acting on it: an unacknowledged incident counts as acknowledged too."""
    if incident.acknowledged_at is not None:
        return {}
    return {"acknowledged_at": now, "acknowledged_by": actor,
            "time_to_ack_seconds": _seconds_since(incident.declared_at, now)}


class IncidentService(DomainService):
    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)

    @property
    def severities(self) -> SeverityTable:
        return self.policy.severities

    # --- lookups ---------------------------------------------------------------------------------

    async def get(self, number: int, *, session: AsyncSession | None = None) -> Incident:
        """The incident, read in the caller's unit of work when given one."""
        if session is None:
            async with self.sessions() as own:
                return await self.get(number, session=own)
        incident = await repo.get_incident(number, session=session)
        if incident is None:
            raise NotFound("error.incident_not_found", number=number)
        return incident

    async def find(self, number: int | None, channel_id: str | None, usage: str) -> Incident:
        """The incident named by number, or implied by the channel the command came from."""
        if number is not None:
            return await self.get(number)
        if channel_id:
            incident = await self.by_channel(channel_id)
            if incident is not None:
                return incident
        raise UsageError("error.number_required", usage)

    async def by_channel(self, channel_id: str) -> Incident | None:
        async with self.sessions() as session:
            return await repo.get_incident_by_channel(channel_id, session=session)

    async def interpret(self, parsed: Command, channel_id: str | None) -> Command:
        """Inside an incident channel, "update 12 users affected" is text, not incident #12."""
        if (
            isinstance(parsed, Resolve | PostUpdate | Escalate)
            and parsed.leading_token
            and channel_id
            and await self.by_channel(channel_id) is not None
        ):
            return parsed.as_text_in_channel()
        return parsed

    async def _details(self, number: int, session: AsyncSession) -> IncidentDetails:
        incident = await self.get(number, session=session)
        roles = await repo.roles(number, session=session)
        entries = await repo.timeline(number, session=session)
        last_update = next((e for e in reversed(entries) if e.kind == "update"), None)
        return IncidentDetails(incident, roles, last_update)

    async def details(self, number: int) -> IncidentDetails:
        async with self.sessions() as session:
            return await self._details(number, session)

    async def status(self, number: int) -> IncidentStatus:
        async with self.sessions() as session:
            details = await self._details(number, session)
            pending = await self.timers.pending(number, session=session)
        return IncidentStatus(details, pending)

    async def list(self, *, include_closed: bool, limit: int = 30, viewer: str | None = None,
                   filters: ListFilters | None = None) -> Sequence[Incident]:
        """The latest incidents, filtered and a page at a time; private ones (a security type) only for the
        people in them."""
        async with self.sessions() as session:
            statuses = None if include_closed else [s.value for s in OPEN_STATUSES]
            if filters is not None and filters.statuses:
                statuses = list(filters.statuses)
            if filters is not None and (filters.narrowed or filters.page > 1):
                found = await search(session, filters, statuses, self.policy.policy.zone, limit)
            else:
                found = await repo.list_incidents(session=session, statuses=statuses, limit=limit)
            policy = self.policy.policy
            private = [i.id for i in found if is_private(policy, i)]
            if not private:
                return found
            members = await types_repo.people_in(private, session=session)
        return [i for i in found if visible_to(policy, i, viewer, members.get(i.id, set()))]

    async def timeline(self, number: int) -> Sequence[TimelineEntry]:
        async with self.sessions() as session:
            await self.get(number, session=session)
            return await repo.timeline(number, session=session)

    # --- declare -------------------------------------------------------------------------------

    async def declare(
        self,
        *,
        title: str,
        severity: str,
        declared_by: str,
        commander_id: str | None = None,
        service: str | None = None,
        description: str | None = None,
        request_key: str | None = None,
        effects: Effects = _no_effects,
        incident_type: str | None = None,
    ) -> tuple[Incident, bool]:
        """Record a new incident; returns (incident, created). A repeated request_key returns the first."""
        await self.access.require("declare", declared_by)
        if self.severities.get(severity) is None:
            raise UsageError("error.unknown_severity", "usage.declare", value=severity,
                             allowed=", ".join(self.severities.ids))
        now = self.clock.now()
        commander = commander_id or declared_by
        incident = Incident(
            title=title,
            severity=severity,
            status=Status.DECLARED.value,
            service=service,
            description=description,
            declared_by=declared_by,
            commander_id=commander,
            declared_at=now,
            request_key=request_key,
            version=1,
            incident_type=incident_type,
        )
        try:
            async with self.sessions.begin() as session:
                await repo.add_incident(incident, session=session)
                await repo.add_role(incident.id, session=session, user_id=commander, role=Role.COMMANDER.value,
                                    at=now)
                await repo.add_timeline(
                    incident.id, session=session, at=now, actor_id=declared_by, kind="declared",
                    data={"severity": severity, "title": title},
                )
                await audit.record(session, at=now, actor=declared_by, action="incident.declare",
                                   incident_id=incident.id, after={"severity": severity, "status": incident.status})
                # The incident and its deadlines commit together: no incident without its timers.
                incident.escalation_snapshot = await schedule_deadlines(
                    self.timers, session, self.policy.policy, incident, start=now, tag="declare"
                )
                await effects(session, incident)
        except repo.RequestKeyTaken as taken:
            async with self.sessions() as session:
                existing = await repo.get_incident_by_request_key(taken.request_key, session=session)
            if existing is None:
                raise
            return existing, False
        return incident, True

    async def record_channel(self, number: int, *, channel_id: str, channel_name: str) -> None:
        async with self.sessions.begin() as session:
            await repo.update_incident(number, session=session,
                                       values={"channel_id": channel_id, "channel_name": channel_name})
            await repo.add_timeline(number, session=session, at=self.clock.now(), actor_id=None,
                                    kind="channel_created", data={"channel": channel_id})

    async def record_messages(self, number: int, *, session: AsyncSession | None = None, **places: str) -> None:
        """Remember where the live messages are (summary_ts, feed_channel_id, feed_ts)."""
        async with self._unit(session) as unit:
            await repo.update_incident(number, session=unit, values=places)

    async def record_escalation(self, number: int, *, level: int, round_index: int, session: AsyncSession) -> None:
        """Note the tier just paged, in the escalation's unit of work (which also plans the next tier)."""
        await repo.update_incident(number, session=session,
                                   values={"escalation_level": level, "escalation_round": round_index})

    async def note_failure(self, number: int, *, method: str, code: str, session: AsyncSession | None = None) -> None:
        async with self._unit(session) as unit:
            await repo.add_timeline(number, session=unit, at=self.clock.now(), actor_id=None,
                                    kind="slack_failure", data={"method": method, "code": code})

    # --- lifecycle -------------------------------------------------------------------------------

    async def _transition(
        self,
        number: int,
        action: Action,
        actor: str,
        *,
        now: datetime,
        kind: str,
        stamps: Callable[[Incident], dict[str, Any]],
        data: dict[str, Any] | None = None,
        cancel: tuple[str, ...] = (),
        effects: Effects = _no_effects,
    ) -> Incident:
        """Move the incident along the state machine; `stamps` computes the extra columns from the
        incident as read in this same transaction."""
        async with self.sessions.begin() as session:
            incident = await self.get(number, session=session)
            allowed = [s.value for s in allowed_from(action)]
            values = {"status": target_of(action).value, **stamps(incident)}
            changed = await repo.update_incident_if(number, session=session, expected_statuses=allowed,
                                                    values=values)
            if not changed:
                await repo.reload_incident(incident, session=session)
                raise InvalidTransition("error.invalid_transition", number=number, status=incident.status,
                                        action=action.value)
            await repo.add_timeline(number, session=session, at=now, actor_id=actor, kind=kind, data=data or {})
            await audit.record(session, at=now, actor=actor, action=f"incident.{action.value}", incident_id=number,
                               before={"status": incident.status}, after={"status": values["status"]})
            if cancel:
                await self.timers.cancel(number, cancel, session=session)
            await repo.reload_incident(incident, session=session)
            if action is Action.RESOLVE:  # the channel is archived later (channels.archive_after)
                await schedule_archive(self.timers, session, incident, now=now,
                                       after=self.policy.policy.channels.archive_after)
            if action is Action.REOPEN:
                await unarchive_on_reopen(self.timers, self.outbox, session, incident)
                incident.escalation_snapshot = await schedule_deadlines(
                    self.timers, session, self.policy.policy, incident, start=now, tag=f"reopen:{incident.version}"
                )
                incident.escalation_level = 0
                incident.escalation_round = 0
            await effects(session, incident)
        return incident

    async def acknowledge(self, number: int, actor: str, *, effects: Effects = _no_effects) -> Incident:
        now = self.clock.now()

        def stamps(incident: Incident) -> dict[str, Any]:
            values: dict[str, Any] = {"acknowledged_at": now, "acknowledged_by": actor}
            # A reopened incident keeps its first time to acknowledge.
            if incident.time_to_ack_seconds is None:
                values["time_to_ack_seconds"] = _seconds_since(incident.declared_at, now)
            return values

        return await self._transition(number, Action.ACK, actor, now=now, kind="acknowledged", stamps=stamps,
                                      cancel=(ESCALATE,), effects=effects)

    async def mitigate(self, number: int, actor: str, *, effects: Effects = _no_effects) -> Incident:
        now = self.clock.now()

        def stamps(incident: Incident) -> dict[str, Any]:
            return {"mitigated_at": now, **_acknowledged_by_acting(incident, actor, now)}

        return await self._transition(number, Action.MITIGATE, actor, now=now, kind="mitigated", stamps=stamps,
                                      cancel=(ESCALATE,), effects=effects)

    async def resolve(self, number: int, actor: str, summary: str | None, *,
                      effects: Effects = _no_effects) -> Incident:
        await self.access.require("resolve", actor)
        now = self.clock.now()

        def stamps(incident: Incident) -> dict[str, Any]:
            return {
                "resolved_at": now,
                "resolved_by": actor,
                "resolution_summary": summary,
                "time_to_resolve_seconds": _seconds_since(incident.declared_at, now),
                **_acknowledged_by_acting(incident, actor, now),
            }

        return await self._transition(number, Action.RESOLVE, actor, now=now, kind="resolved", stamps=stamps,
                                      data={"summary": summary} if summary else {}, cancel=ALL_KINDS,
                                      effects=effects)

    async def reopen(self, number: int, actor: str, *, effects: Effects = _no_effects) -> Incident:
        def stamps(_incident: Incident) -> dict[str, Any]:
            return {"resolved_at": None, "resolved_by": None, "acknowledged_at": None, "acknowledged_by": None}

        return await self._transition(number, Action.REOPEN, actor, now=self.clock.now(), kind="reopened",
                                      stamps=stamps, effects=effects)

    async def post_status(self, number: int, actor: str, text: str, *,
                          effects: Effects = _no_effects) -> Incident:
        now = self.clock.now()
        async with self.sessions.begin() as session:
            incident = await self.get(number, session=session)
            await repo.update_incident(number, session=session, values={"last_update_at": now})
            await repo.add_timeline(number, session=session, at=now, actor_id=actor, kind="update",
                                    data={"text": text})
            await repo.reload_incident(incident, session=session)
            await effects(session, incident)
        return incident

    async def change_severity(self, number: int, actor: str, severity: str, *,
                              effects: Effects = _no_effects) -> tuple[Incident, str]:
        """Returns the incident and its previous severity."""
        await self.access.require("severity", actor)
        now = self.clock.now()
        async with self.sessions.begin() as session:
            incident = await self.get(number, session=session)
            old = incident.severity
            if Status(incident.status) not in OPEN_STATUSES:
                raise InvalidTransition("error.invalid_transition", number=number, status=incident.status,
                                        action="severity")
            if old == severity:
                raise InvalidTransition("error.same_severity", number=number, severity=severity)
            await repo.update_incident(number, session=session, values={"severity": severity})
            await repo.add_timeline(number, session=session, at=now, actor_id=actor, kind="severity",
                                    data={"old": old, "new": severity})
            await audit.record(session, at=now, actor=actor, action="incident.severity", incident_id=number,
                               before={"severity": old}, after={"severity": severity})
            # The new severity brings its own deadlines, counted from the declaration.
            await self.timers.cancel(number, ALL_KINDS, session=session)
            await repo.reload_incident(incident, session=session)
            unacknowledged = incident.status in (Status.DECLARED, Status.REOPENED)
            incident.escalation_snapshot = await schedule_deadlines(
                self.timers, session, self.policy.policy, incident, start=incident.declared_at,
                tag=f"severity:{incident.version}", escalate=unacknowledged,
            )
            incident.escalation_level = 0
            await effects(session, incident)
        return incident, old

    async def assign(self, number: int, actor: str, user_id: str, role: Role, *,
                     effects: Effects = _no_effects) -> Incident:
        now = self.clock.now()
        async with self.sessions.begin() as session:
            incident = await self.get(number, session=session)
            if role is Role.COMMANDER:
                if incident.commander_id == user_id:
                    raise InvalidTransition("error.already_has_role", number=number, user=user_id,
                                            role=role.value)
                # One commander at a time: the new one replaces the old.
                await repo.remove_role_holders(number, session=session, role=role.value)
                await repo.update_incident(number, session=session, values={"commander_id": user_id})
            added = await repo.add_role(number, session=session, user_id=user_id, role=role.value, at=now)
            if not added:
                raise InvalidTransition("error.already_has_role", number=number, user=user_id, role=role.value)
            await repo.add_timeline(number, session=session, at=now, actor_id=actor, kind="assigned",
                                    data={"target": user_id, "role": role.value})
            await audit.record(session, at=now, actor=actor, action="incident.assign", incident_id=number,
                               subject=role.value, after={"user": user_id, "role": role.value})
            await repo.reload_incident(incident, session=session)
            await effects(session, incident)
        return incident
