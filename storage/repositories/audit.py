"""The audit log and the policy loads: inserts and reads only (the log is append-only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit_models import AuditEntry, PolicyLoad

ACCEPTED, REFUSED = "accepted", "refused"


async def add(*, session: AsyncSession, at: datetime, actor: str | None, action: str, replica: str | None = None,
              incident_id: int | None = None, subject: str | None = None, before: dict[str, Any] | None = None,
              after: dict[str, Any] | None = None) -> None:
    session.add(AuditEntry(at=at, actor=actor, action=action, incident_id=incident_id,
                           subject=subject[:255] if subject else None, before=before, after=after, replica=replica))


async def entries(*, session: AsyncSession, since: datetime | None = None, incident_id: int | None = None,
                  actors: Sequence[str] = (), limit: int = 1000) -> Sequence[AuditEntry]:
    query = select(AuditEntry)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if incident_id is not None:
        query = query.where(AuditEntry.incident_id == incident_id)
    if actors:
        query = query.where(AuditEntry.actor.in_(list(actors)))
    result = await session.execute(query.order_by(AuditEntry.at, AuditEntry.id).limit(limit))
    return result.scalars().all()


async def add_policy_load(*, session: AsyncSession, at: datetime, loaded_by: str, source: str, digest: str,
                          state: str, content: str | None, problems: list[str] | None) -> PolicyLoad:
    load = PolicyLoad(at=at, loaded_by=loaded_by, source=source[:500], hash=digest, state=state, content=content,
                      problems=problems)
    session.add(load)
    await session.flush()
    return load


async def latest_policy_load(*, session: AsyncSession, state: str | None = None) -> PolicyLoad | None:
    query = select(PolicyLoad)
    if state is not None:
        query = query.where(PolicyLoad.state == state)
    return await session.scalar(query.order_by(PolicyLoad.id.desc()).limit(1))
