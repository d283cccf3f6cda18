"""The incident service: lifecycle rules and the records behind them. No Slack here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.deps import Deps, DomainService
from bot.errors import InvalidTransition, NotFound, UsageError
from bot.incidents.deadlines import ALL_KINDS, ESCALATE, schedule_deadlines
from bot.incidents.lifecycle import OPEN_STATUSES, Action, Status, allowed_from, target_of
from bot.incidents.roles import Role
from bot.incidents.severity import SeverityTable
from storage.models import Incident, IncidentRole, TimelineEntry
from storage.repositories import incidents as repo


@dataclass(frozen=True)
class IncidentDetails:
    incident: Incident
    roles: Sequence[IncidentRole]
    last_update: TimelineEntry | None


class IncidentService(DomainService):
    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)

    @property
    def severities(self) -> SeverityTable:
        return self.policy.severities

    # --- lookups ---------------------------------------------------------------------------------

    async def get(self, number: int) -> Incident:
        async with self.sessions() as session:
            incident = await repo.get_incident(number, session=session)
        if incident is None:
            raise NotFound("error.incident_not_found", number=number)
        return incident

    async def find(self, number: int | None, channel_id: str | None, usage: str) -> Incident:
        """The incident named by number, or implied by the channel the command came from."""
        if number is not None:
            return await self.get(number)
        if channel_id:
            async with self.sessions() as session:
                incident = await repo.get_incident_by_channel(channel_id, session=session)
            if incident is not None:
                return incident
        raise UsageError("error.number_required", usage)

    async def by_channel(self, channel_id: str) -> Incident | None:
        async with self.sessions() as session:
            return await repo.get_incident_by_channel(channel_id, session=session)

    async def details(self, number: int) -> IncidentDetails:
        async with self.sessions() as session:
            incident = await repo.get_incident(number, session=session)
            if incident is None:
                raise NotFound("error.incident_not_found", number=number)
            roles = await repo.roles(number, session=session)
            entries = await repo.timeline(number, session=session)
        last_update = next((e for e in reversed(entries) if e.kind == "update"), None)
        return IncidentDetails(incident, roles, last_update)

    async def list(self, *, include_closed: bool, limit: int = 30) -> Sequence[Incident]:
        async with self.sessions() as session:
            statuses = None if include_closed else [s.value for s in OPEN_STATUSES]
            return await repo.list_incidents(session=session, statuses=statuses, limit=limit)

    async def timeline(self, number: int) -> Sequence[TimelineEntry]:
        async with self.sessions() as session:
            if await repo.get_incident(number, session=session) is None:
                raise NotFound("error.incident_not_found", number=number)
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
        )
        try:
            async with self.sessions.begin() as session:
                session.add(incident)
                await session.flush()
                session.add(IncidentRole(incident_id=incident.id, user_id=commander, role=Role.COMMANDER.value,
                                         assigned_at=now))
                await repo.add_timeline(
                    incident.id, session=session, at=now, actor_id=declared_by, kind="declared",
                    data={"severity": severity, "title": title},
                )
                # The incident and its deadlines commit together: no incident without its timers.
                incident.escalation_snapshot = await schedule_deadlines(
                    self.timers, session, self.policy.policy, incident, start=now, tag="declare"
                )
        except IntegrityError:
            if request_key is None:
                raise
            async with self.sessions() as session:
                existing = await repo.get_incident_by_request_key(request_key, session=session)
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

    async def record_messages(self, number: int, **places: str) -> None:
        """Remember where the live messages are (summary_ts, feed_channel_id, feed_ts)."""
        async with self.sessions.begin() as session:
            await repo.update_incident(number, session=session, values=places)

    async def record_escalation(self, number: int, *, level: int, round_index: int) -> None:
        async with self.sessions.begin() as session:
            await repo.update_incident(number, session=session,
                                       values={"escalation_level": level, "escalation_round": round_index})

    async def note_failure(self, number: int, *, method: str, code: str) -> None:
        async with self.sessions.begin() as session:
            await repo.add_timeline(number, session=session, at=self.clock.now(), actor_id=None,
                                    kind="slack_failure", data={"method": method, "code": code})

    # --- lifecycle -------------------------------------------------------------------------------

    async def _transition(
        self,
        number: int,
        action: Action,
        actor: str,
        values: dict[str, Any],
        kind: str,
        data: dict[str, Any],
        cancel: tuple[str, ...] = (),
    ) -> Incident:
        now = self.clock.now()
        async with self.sessions.begin() as session:
            incident = await repo.get_incident(number, session=session)
            if incident is None:
                raise NotFound("error.incident_not_found", number=number)
            allowed = [s.value for s in allowed_from(action)]
            values = {"status": target_of(action).value, **values}
            changed = await repo.update_incident_if(number, session=session, expected_statuses=allowed,
                                                    values=values)
            if not changed:
                await session.refresh(incident)
                raise InvalidTransition("error.invalid_transition", number=number, status=incident.status,
                                        action=action.value)
            await repo.add_timeline(number, session=session, at=now, actor_id=actor, kind=kind, data=data)
            if cancel:
                await self.timers.cancel(number, cancel, session=session)
            await session.refresh(incident)
            if action is Action.REOPEN:
                incident.escalation_snapshot = await schedule_deadlines(
                    self.timers, session, self.policy.policy, incident, start=now, tag=f"reopen:{incident.version}"
                )
                incident.escalation_level = 0
                incident.escalation_round = 0
        return incident

    async def acknowledge(self, number: int, actor: str) -> Incident:
        incident = await self.get(number)
        now = self.clock.now()
        values: dict[str, Any] = {"acknowledged_at": now, "acknowledged_by": actor}
        if incident.time_to_ack_seconds is None:
            values["time_to_ack_seconds"] = int((now - incident.declared_at).total_seconds())
        return await self._transition(number, Action.ACK, actor, values, "acknowledged", {}, cancel=(ESCALATE,))

    async def mitigate(self, number: int, actor: str) -> Incident:
        now = self.clock.now()
        values: dict[str, Any] = {"mitigated_at": now}
        incident = await self.get(number)
        if incident.acknowledged_at is None:
            # Mitigating is acting on it: that counts as acknowledging too.
            values.update(acknowledged_at=now, acknowledged_by=actor,
                          time_to_ack_seconds=int((now - incident.declared_at).total_seconds()))
        return await self._transition(number, Action.MITIGATE, actor, values, "mitigated", {}, cancel=(ESCALATE,))

    async def resolve(self, number: int, actor: str, summary: str | None) -> Incident:
        await self.access.require("resolve", actor)
        now = self.clock.now()
        incident = await self.get(number)
        values: dict[str, Any] = {
            "resolved_at": now,
            "resolved_by": actor,
            "resolution_summary": summary,
            "time_to_resolve_seconds": int((now - incident.declared_at).total_seconds()),
        }
        if incident.acknowledged_at is None:
            values.update(acknowledged_at=now, acknowledged_by=actor,
                          time_to_ack_seconds=int((now - incident.declared_at).total_seconds()))
        return await self._transition(number, Action.RESOLVE, actor, values, "resolved",
                                      {"summary": summary} if summary else {}, cancel=ALL_KINDS)

    async def reopen(self, number: int, actor: str) -> Incident:
        values: dict[str, Any] = {"resolved_at": None, "resolved_by": None, "acknowledged_at": None,
                                  "acknowledged_by": None}
        return await self._transition(number, Action.REOPEN, actor, values, "reopened", {})

    async def post_update(self, number: int, actor: str, text: str) -> Incident:
        now = self.clock.now()
        async with self.sessions.begin() as session:
            incident = await repo.get_incident(number, session=session)
            if incident is None:
                raise NotFound("error.incident_not_found", number=number)
            await repo.update_incident(number, session=session, values={"last_update_at": now})
            await repo.add_timeline(number, session=session, at=now, actor_id=actor, kind="update",
                                    data={"text": text})
            await session.refresh(incident)
        return incident

    async def change_severity(self, number: int, actor: str, severity: str) -> tuple[Incident, str]:
        """Returns the incident and its previous severity."""
        await self.access.require("severity", actor)
        now = self.clock.now()
        async with self.sessions.begin() as session:
            incident = await repo.get_incident(number, session=session)
            if incident is None:
                raise NotFound("error.incident_not_found", number=number)
            old = incident.severity
            if Status(incident.status) not in OPEN_STATUSES:
                raise InvalidTransition("error.invalid_transition", number=number, status=incident.status,
                                        action="severity")
            if old == severity:
                raise InvalidTransition("error.same_severity", number=number, severity=severity)
            await repo.update_incident(number, session=session, values={"severity": severity})
            await repo.add_timeline(number, session=session, at=now, actor_id=actor, kind="severity",
                                    data={"old": old, "new": severity})
            # The new severity brings its own deadlines, counted from the declaration.
            await self.timers.cancel(number, ALL_KINDS, session=session)
            await session.refresh(incident)
            unacknowledged = incident.status in (Status.DECLARED, Status.REOPENED)
            incident.escalation_snapshot = await schedule_deadlines(
                self.timers, session, self.policy.policy, incident, start=incident.declared_at,
                tag=f"severity:{incident.version}", escalate=unacknowledged,
            )
            incident.escalation_level = 0
        return incident, old

    async def assign(self, number: int, actor: str, user_id: str, role: Role) -> Incident:
        now = self.clock.now()
        async with self.sessions.begin() as session:
            incident = await repo.get_incident(number, session=session)
            if incident is None:
                raise NotFound("error.incident_not_found", number=number)
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
            await session.refresh(incident)
        return incident
