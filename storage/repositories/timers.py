"""Durable timer rows (`scheduled_jobs`): add, cancel, list, claim and finish."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ScheduledJob

PENDING, CLAIMED, DONE, CANCELLED = "pending", "claimed", "done", "cancelled"


async def add_job(
    *,
    session: AsyncSession,
    kind: str,
    due_at: datetime,
    payload: dict[str, Any],
    created_at: datetime,
    incident_id: int | None = None,
    dedupe_key: str | None = None,
) -> ScheduledJob | None:
    """Add a pending job; None when one with the same dedupe_key exists (the savepoint keeps the
    caller's transaction usable)."""
    job = ScheduledJob(kind=kind, due_at=due_at, state=PENDING, payload=payload, incident_id=incident_id,
                       dedupe_key=dedupe_key, attempts=0, created_at=created_at)
    try:
        async with session.begin_nested():
            session.add(job)
    except IntegrityError:
        if dedupe_key is None:
            raise
        return None
    return job


async def _cancel(session: AsyncSession, *conditions: ColumnElement[bool]) -> int:
    result = await session.execute(
        update(ScheduledJob)
        .where(ScheduledJob.state == PENDING, *conditions)
        .values(state=CANCELLED, outcome="cancelled")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def cancel_for_incident(incident_id: int, kinds: Iterable[str], *, session: AsyncSession) -> int:
    return await _cancel(session, ScheduledJob.incident_id == incident_id, ScheduledJob.kind.in_(list(kinds)))


async def cancel_by_keys(keys: Iterable[str], *, session: AsyncSession) -> int:
    return await _cancel(session, ScheduledJob.dedupe_key.in_(list(keys)))


async def cancel_job(job_id: int, *, kind: str, incident_id: int, session: AsyncSession) -> int:
    """Cancel one pending job, only if it is of this kind and belongs to this incident."""
    return await _cancel(session, ScheduledJob.id == job_id, ScheduledJob.kind == kind,
                         ScheduledJob.incident_id == incident_id)


async def open_for_incident(
    incident_id: int, *, session: AsyncSession, kind: str | None = None, states: Iterable[str] = (PENDING, CLAIMED)
) -> Sequence[ScheduledJob]:
    """Jobs of an incident still to fire, soonest first."""
    query = select(ScheduledJob).where(ScheduledJob.incident_id == incident_id,
                                       ScheduledJob.state.in_(list(states)))
    if kind is not None:
        query = query.where(ScheduledJob.kind == kind)
    return (await session.execute(query.order_by(ScheduledJob.due_at))).scalars().all()


async def next_due(*, session: AsyncSession) -> datetime | None:
    """When the earliest pending job falls due (None when nothing is pending): one index lookup on
    (state, due_at), cheap enough to ask before every sleep of the wake-up loop."""
    result = await session.execute(select(func.min(ScheduledJob.due_at)).where(ScheduledJob.state == PENDING))
    return result.scalar_one_or_none()


async def claim_due(
    *, session: AsyncSession, now: datetime, worker: str, lease_until: datetime, limit: int, expired: bool = True
) -> list[ScheduledJob]:
    """Claim due jobs, and (with `expired`) claimed jobs whose lease ran out, for `worker`.

    One UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) … RETURNING per kind of row, so
    several processes on one PostgreSQL database never claim the same row; SQLite serialises writers.
    """
    claimed: list[ScheduledJob] = []
    kinds = [(ScheduledJob.state == PENDING, ScheduledJob.due_at <= now)]
    if expired:
        kinds.append((ScheduledJob.state == CLAIMED, ScheduledJob.lease_until <= now))
    for state_filter in kinds:
        room = limit - len(claimed)
        if room <= 0:
            break
        ids = (
            select(ScheduledJob.id)
            .where(*state_filter)
            .order_by(ScheduledJob.due_at)
            .limit(room)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        result = await session.execute(
            update(ScheduledJob)
            # The inner SELECT already chose (and on PostgreSQL locked) the rows; repeating its
            # filter here makes PostgreSQL's cached plan read every pending row.
            .where(ScheduledJob.id.in_(ids))
            .values(state=CLAIMED, claimed_by=worker, lease_until=lease_until, attempts=ScheduledJob.attempts + 1)
            .returning(ScheduledJob)
            .execution_options(synchronize_session=False)
        )
        claimed.extend(result.scalars().all())
    return claimed


async def renew(job_ids: Sequence[int], *, session: AsyncSession, worker: str, lease_until: datetime) -> None:
    """Extend `worker`'s claim on these jobs while it is still firing them."""
    if job_ids:
        await session.execute(
            update(ScheduledJob)
            .where(ScheduledJob.id.in_(list(job_ids)), ScheduledJob.claimed_by == worker,
                   ScheduledJob.state == CLAIMED)
            .values(lease_until=lease_until)
            .execution_options(synchronize_session=False)
        )


async def finish(
    job_ids: Sequence[int], *, session: AsyncSession, worker: str, outcome: str, at: datetime,
    error: str | None = None,
) -> None:
    """Mark jobs done with one outcome, only those whose claim `worker` still holds. `at` is when the
    batch recorded them (fired a moment before)."""
    if job_ids:
        await session.execute(
            update(ScheduledJob)
            .where(ScheduledJob.id.in_(list(job_ids)), ScheduledJob.claimed_by == worker,
                   ScheduledJob.state == CLAIMED)
            .values(state=DONE, outcome=outcome, fired_at=at, last_error=error)
            .execution_options(synchronize_session=False)
        )


async def bring_forward(dedupe_key: str, *, session: AsyncSession, at: datetime) -> int:
    """Make a pending job due at `at` if it was due later (the next tier, when nobody could be reached)."""
    result = await session.execute(
        update(ScheduledJob)
        .where(ScheduledJob.dedupe_key == dedupe_key, ScheduledJob.state == PENDING, ScheduledJob.due_at > at)
        .values(due_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
