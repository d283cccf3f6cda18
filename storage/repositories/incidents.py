"""Incidents, their roles and their timeline. Sessions are passed in (keyword-only); callers own the
transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Incident, IncidentRole, TimelineEntry


class RequestKeyTaken(Exception):
    """An incident was declared with this request key already; the transaction is spent (roll it back)."""

    def __init__(self, request_key: str) -> None:
        super().__init__(request_key)
        self.request_key = request_key


async def add_incident(incident: Incident, *, session: AsyncSession) -> None:
    """Insert a new incident and flush it, so it has its number. Raises RequestKeyTaken for a repeated
    request_key (Slack retried, or a modal was submitted twice)."""
    session.add(incident)
    try:
        await session.flush()
    except IntegrityError as exc:
        if incident.request_key is None:
            raise
        raise RequestKeyTaken(incident.request_key) from exc


async def get_incident(incident_id: int, *, session: AsyncSession) -> Incident | None:
    return await session.get(Incident, incident_id)


async def reload_incident(incident: Incident, *, session: AsyncSession) -> None:
    """Read the row again: the compare-and-set updates below bypass the ORM's copy."""
    await session.refresh(incident)


async def get_incident_by_channel(channel_id: str, *, session: AsyncSession) -> Incident | None:
    result = await session.execute(select(Incident).where(Incident.channel_id == channel_id))
    return result.scalars().first()


async def get_incident_by_request_key(key: str, *, session: AsyncSession) -> Incident | None:
    result = await session.execute(select(Incident).where(Incident.request_key == key))
    return result.scalars().first()


async def list_incidents(
    *, session: AsyncSession, statuses: Iterable[str] | None = None, limit: int | None = 50
) -> Sequence[Incident]:
    """Newest first; `limit=None` for all of them."""
    query = select(Incident).order_by(Incident.id.desc())
    if limit is not None:
        query = query.limit(limit)
    if statuses is not None:
        query = query.where(Incident.status.in_(list(statuses)))
    return (await session.execute(query)).scalars().all()


async def update_incident_if(
    incident_id: int, *, session: AsyncSession, expected_statuses: Iterable[str], values: dict[str, Any]
) -> bool:
    """Compare-and-set on status: two people acting at once cannot both win."""
    result = await session.execute(
        update(Incident)
        .where(Incident.id == incident_id, Incident.status.in_(list(expected_statuses)))
        .values(**values, version=Incident.version + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def update_incident(incident_id: int, *, session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(
        update(Incident)
        .where(Incident.id == incident_id)
        .values(**values, version=Incident.version + 1)
        .execution_options(synchronize_session=False)
    )


async def add_timeline(
    incident_id: int,
    *,
    session: AsyncSession,
    at: datetime,
    actor_id: str | None,
    kind: str,
    data: dict[str, Any] | None = None,
) -> None:
    session.add(TimelineEntry(incident_id=incident_id, at=at, actor_id=actor_id, kind=kind, data=data or {}))


async def timeline(incident_id: int, *, session: AsyncSession, limit: int = 200) -> Sequence[TimelineEntry]:
    result = await session.execute(
        select(TimelineEntry)
        .where(TimelineEntry.incident_id == incident_id)
        .order_by(TimelineEntry.at, TimelineEntry.id)
        .limit(limit)
    )
    return result.scalars().all()


async def roles(incident_id: int, *, session: AsyncSession) -> Sequence[IncidentRole]:
    result = await session.execute(
        select(IncidentRole).where(IncidentRole.incident_id == incident_id).order_by(IncidentRole.id)
    )
    return result.scalars().all()


async def add_role(
    incident_id: int, *, session: AsyncSession, user_id: str, role: str, at: datetime
) -> bool:
    """Record a role; False when the user already holds it."""
    existing = await session.execute(
        select(func.count())
        .select_from(IncidentRole)
        .where(IncidentRole.incident_id == incident_id, IncidentRole.user_id == user_id, IncidentRole.role == role)
    )
    if existing.scalar_one():
        return False
    session.add(IncidentRole(incident_id=incident_id, user_id=user_id, role=role, assigned_at=at))
    return True


async def remove_role_holders(incident_id: int, *, session: AsyncSession, role: str) -> None:
    await session.execute(
        delete(IncidentRole).where(IncidentRole.incident_id == incident_id, IncidentRole.role == role)
    )
