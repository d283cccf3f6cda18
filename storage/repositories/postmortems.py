"""Post-mortems and action items. Sessions are passed in (keyword-only); callers own the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Incident, IncidentRole, Page
from storage.postmortems_models import ActionItem, Postmortem
from storage.repositories.rows import add_once

DRAFT, IN_REVIEW, PUBLISHED = "draft", "in_review", "published"
STATUSES = (DRAFT, IN_REVIEW, PUBLISHED)
OPEN, DONE = "open", "done"


async def get_postmortem(incident_id: int, *, session: AsyncSession) -> Postmortem | None:
    result = await session.execute(select(Postmortem).where(Postmortem.incident_id == incident_id))
    return result.scalar_one_or_none()


async def add_postmortem(incident_id: int, *, session: AsyncSession, due_at: datetime, now: datetime) -> bool:
    """The incident's post-mortem as a draft; False when it has one already (a reopened incident)."""
    row = Postmortem(incident_id=incident_id, status=DRAFT, due_at=due_at, revision=1, created_at=now,
                     updated_at=now)
    return await add_once(row, session=session)


async def update_postmortem(incident_id: int, *, session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(
        update(Postmortem).where(Postmortem.incident_id == incident_id).values(**values)
        .execution_options(synchronize_session=False)
    )


async def next_revision(incident_id: int, *, session: AsyncSession, now: datetime) -> int:
    """Count one more generation of the document and return its number."""
    await session.execute(
        update(Postmortem).where(Postmortem.incident_id == incident_id)
        .values(revision=Postmortem.revision + 1, updated_at=now).execution_options(synchronize_session=False)
    )
    result = await session.execute(select(Postmortem.revision).where(Postmortem.incident_id == incident_id))
    return int(result.scalar_one())


async def pages_of(incident_id: int, *, session: AsyncSession) -> Sequence[Page]:
    result = await session.execute(select(Page).where(Page.incident_id == incident_id).order_by(Page.at, Page.id))
    return result.scalars().all()


# --- action items ---------------------------------------------------------------------------------------


async def add_action(*, session: AsyncSession, incident_id: int, owner_id: str, text: str, due_at: datetime,
                     created_by: str, now: datetime) -> ActionItem:
    item = ActionItem(incident_id=incident_id, owner_id=owner_id, text=text, due_at=due_at, status=OPEN,
                      created_by=created_by, created_at=now)
    session.add(item)
    await session.flush()
    return item


async def get_action(action_id: int, *, session: AsyncSession) -> ActionItem | None:
    return await session.get(ActionItem, action_id)


async def close_action(action_id: int, *, session: AsyncSession, by: str, at: datetime) -> bool:
    """Mark it done; False when it was done already (or does not exist)."""
    result = await session.execute(
        update(ActionItem).where(ActionItem.id == action_id, ActionItem.status == OPEN)
        .values(status=DONE, done_by=by, done_at=at).execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def actions_of_incident(incident_id: int, *, session: AsyncSession) -> Sequence[ActionItem]:
    result = await session.execute(
        select(ActionItem).where(ActionItem.incident_id == incident_id).order_by(ActionItem.id)
    )
    return result.scalars().all()


async def find_actions(*, session: AsyncSession, owner_id: str | None = None, open_only: bool = True,
                       due_before: datetime | None = None, limit: int = 50) -> Sequence[ActionItem]:
    """Action items, soonest due first: one owner's, open ones, overdue ones (due before a moment)."""
    query = select(ActionItem)
    if owner_id is not None:
        query = query.where(ActionItem.owner_id == owner_id)
    if open_only:
        query = query.where(ActionItem.status == OPEN)
    if due_before is not None:
        query = query.where(ActionItem.due_at < due_before)
    result = await session.execute(query.order_by(ActionItem.due_at, ActionItem.id).limit(limit))
    return result.scalars().all()


async def titles_of(incident_ids: set[int], *, session: AsyncSession) -> dict[int, str]:
    if not incident_ids:
        return {}
    result = await session.execute(select(Incident.id, Incident.title).where(Incident.id.in_(incident_ids)))
    return {row.id: row.title for row in result}


async def count_open_actions(owner_id: str, *, session: AsyncSession) -> int:
    result = await session.execute(
        select(func.count()).select_from(ActionItem)
        .where(ActionItem.owner_id == owner_id, ActionItem.status == OPEN)
    )
    return int(result.scalar_one())


async def pages_to(user_id: str, *, session: AsyncSession, since: datetime, limit: int = 10) -> Sequence[Page]:
    """Pages owed to one person since a moment, newest first (the App Home)."""
    result = await session.execute(
        select(Page).where(Page.target == user_id, Page.at >= since).order_by(Page.at.desc()).limit(limit)
    )
    return result.scalars().all()


async def roles_held(user_id: str, incident_ids: Sequence[int], *, session: AsyncSession) -> set[tuple[int, str]]:
    """(incident, role) pairs this person holds among these incidents."""
    if not incident_ids:
        return set()
    result = await session.execute(
        select(IncidentRole.incident_id, IncidentRole.role)
        .where(IncidentRole.user_id == user_id, IncidentRole.incident_id.in_(list(incident_ids)))
    )
    return {(row[0], row[1]) for row in result}
