"""`/incident list` with filters: one query, newest first, a page at a time."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Incident


async def search_incidents(
    *, session: AsyncSession, statuses: Iterable[str] | None, severities: Iterable[str] = (),
    service: str | None = None, incident_type: str | None = None, since: datetime | None = None,
    before: datetime | None = None, words: Iterable[str] = (), limit: int, offset: int = 0,
) -> Sequence[Incident]:
    query = select(Incident).order_by(Incident.id.desc())
    if statuses is not None:
        query = query.where(Incident.status.in_(list(statuses)))
    if severities := list(severities):
        query = query.where(Incident.severity.in_(severities))
    if service:
        query = query.where(func.lower(Incident.service) == service.lower())
    if incident_type:
        query = query.where(Incident.incident_type == incident_type)
    if since is not None:
        query = query.where(Incident.declared_at >= since)
    if before is not None:
        query = query.where(Incident.declared_at < before)
    for word in words:
        pattern = "%" + word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(func.lower(Incident.title).like(pattern, escape="\\"))
    return (await session.execute(query.limit(limit).offset(offset))).scalars().all()
