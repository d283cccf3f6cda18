"""Queries for incident types: who is in which incidents (for listing private ones)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import IncidentRole, TimelineEntry


async def people_in(incident_ids: Sequence[int], *, session: AsyncSession) -> dict[int, set[str]]:
    """Incident id → the people holding a role in it, for several incidents in one query."""
    found: dict[int, set[str]] = {number: set() for number in incident_ids}
    if not incident_ids:
        return found
    rows = await session.execute(select(IncidentRole.incident_id, IncidentRole.user_id)
                                 .where(IncidentRole.incident_id.in_(list(incident_ids))))
    for number, user in rows.all():
        found[number].add(user)
    return found


async def channel_archived(incident_id: int, *, session: AsyncSession) -> bool:
    """Whether the incident's channel was archived last (and not unarchived since), from its timeline."""
    row = await session.execute(
        select(TimelineEntry.kind)
        .where(TimelineEntry.incident_id == incident_id,
               TimelineEntry.kind.in_(["channel_archived", "channel_unarchived"]))
        .order_by(TimelineEntry.id.desc()).limit(1))
    return row.scalar() == "channel_archived"


async def pinned(incident_id: int, ts: str, *, session: AsyncSession) -> bool:
    """Whether this message (by its ts) is on the incident's timeline already."""
    rows = await session.execute(select(TimelineEntry.data).where(TimelineEntry.incident_id == incident_id,
                                                                  TimelineEntry.kind == "pinned"))
    return any((data or {}).get("ts") == ts for (data,) in rows.all())
