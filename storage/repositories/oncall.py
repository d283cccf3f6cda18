"""Rotation overrides and handoff notices. Sessions are passed in (keyword-only); callers own the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import HandoffNotice, RotationOverride
from storage.repositories.rows import add_once


async def overrides_overlapping(
    rotation: str,
    *,
    session: AsyncSession,
    start: datetime,
    end: datetime | None = None,
    lock: bool = False,
) -> Sequence[RotationOverride]:
    """Overrides of a rotation, not cancelled, that overlap [start, end) (no end: every later one), earliest
    first. `lock` takes row locks on PostgreSQL so two people adding overlapping overrides queue up."""
    query = select(RotationOverride).where(
        RotationOverride.rotation == rotation,
        RotationOverride.cancelled_at.is_(None),
        RotationOverride.ends_at > start,
    )
    if end is not None:
        query = query.where(RotationOverride.starts_at < end)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query.order_by(RotationOverride.starts_at))).scalars().all()


async def add_override(
    *,
    session: AsyncSession,
    rotation: str,
    user_id: str,
    starts_at: datetime,
    ends_at: datetime,
    created_by: str,
    created_at: datetime,
    swap_ref: str | None,
) -> RotationOverride:
    override = RotationOverride(rotation=rotation, user_id=user_id, starts_at=starts_at, ends_at=ends_at,
                                created_by=created_by, created_at=created_at, swap_ref=swap_ref)
    session.add(override)
    await session.flush()  # the id is shown to the person at once
    return override


async def get_override(override_id: int, *, session: AsyncSession) -> RotationOverride | None:
    return await session.get(RotationOverride, override_id)


async def cancel_swap(swap_ref: str, *, session: AsyncSession, at: datetime) -> None:
    """Cancel every override of a swap still active: half a swap would leave one person on twice."""
    await session.execute(
        update(RotationOverride)
        .where(RotationOverride.swap_ref == swap_ref, RotationOverride.cancelled_at.is_(None))
        .values(cancelled_at=at)
        .execution_options(synchronize_session=False)
    )


async def claim_handoff_notice(
    *,
    session: AsyncSession,
    rotation: str,
    boundary: datetime,
    outgoing: str | None,
    incoming: str | None,
    at: datetime,
) -> bool:
    """Record the announcement of a handoff; False when it was recorded before."""
    notice = HandoffNotice(rotation=rotation, boundary=boundary, outgoing=outgoing, incoming=incoming, announced_at=at)
    return await add_once(notice, session=session)
