"""The outbox (`deliveries`): Slack effects owed, claimed with a lease, settled once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Delivery

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
LEASE_EXPIRED = "lease_expired"


async def owe(
    *,
    session: AsyncSession,
    key: str,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    incident_id: int | None = None,
    not_before: datetime | None = None,
    coalesce: bool = False,
) -> None:
    """Record an effect. The same key again is the same effect: a no-op, or with `coalesce` (latest
    state wins) a request to deliver once more, rendering whatever the database holds by then."""
    due = not_before or now
    # One statement, no savepoint: the key's unique index says whether this effect is owed already.
    insert = _INSERTS[session.sync_session.get_bind().dialect.name]
    inserted = (await session.execute(
        insert(Delivery).values(key=key, kind=kind, incident_id=incident_id, payload=payload, progress={},
                                state=PENDING, revision=1, attempts=0, created_at=now, next_attempt_at=due)
        .on_conflict_do_nothing(index_elements=[Delivery.key]).returning(Delivery.id)
    )).first()
    if inserted is not None or not coalesce:
        return
    # Pending rows just take the new revision; settled ones are owed again, from the first step (the
    # message an earlier revision posted is not this one); a row being sent keeps its state and its sender
    # sees the new revision when it settles.
    await session.execute(
        update(Delivery).where(Delivery.key == key)
        .values(revision=Delivery.revision + 1, payload=payload, last_error=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Delivery).where(Delivery.key == key, Delivery.state.in_([SENT, FAILED]))
        .values(state=PENDING, attempts=0, next_attempt_at=due, settled_at=None, progress={})
        .execution_options(synchronize_session=False)
    )


async def claim(
    *, session: AsyncSession, now: datetime, worker: str, lease_until: datetime, limit: int,
    skip_incidents: Sequence[int] = (),
) -> list[Delivery]:
    """Claim due deliveries, and ones whose sender's lease ran out (it died), oldest first; none of the
    incidents in `skip_incidents` (this worker is sending their earlier deliveries)."""
    claimed: list[Delivery] = []
    not_skipped = (or_(Delivery.incident_id.is_(None), Delivery.incident_id.notin_(list(skip_incidents))),) \
        if skip_incidents else ()
    for state_filter, noted in (
        ((Delivery.state == PENDING, Delivery.next_attempt_at <= now), {}),
        # Its sender died mid-delivery: Slack may have the message, so the next sender looks first.
        ((Delivery.state == SENDING, Delivery.lease_until <= now), {"last_error": LEASE_EXPIRED}),
    ):
        room = limit - len(claimed)
        if room <= 0:
            break
        ids = (
            select(Delivery.id).where(*state_filter, *not_skipped).order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(room).with_for_update(skip_locked=True).scalar_subquery()
        )
        result = await session.execute(
            update(Delivery).where(Delivery.id.in_(ids))
            .values(state=SENDING, claimed_by=worker, lease_until=lease_until, attempts=Delivery.attempts + 1,
                    **noted)
            .returning(Delivery)
            .execution_options(synchronize_session=False)
        )
        claimed.extend(result.scalars().all())
    return claimed


async def claim_keys(
    keys: Sequence[str], *, session: AsyncSession, now: datetime, worker: str, lease_until: datetime
) -> list[Delivery]:
    """Claim these deliveries, if they are pending and due (the request that owed them sends them)."""
    if not keys:
        return []
    result = await session.execute(
        update(Delivery)
        .where(Delivery.key.in_(list(keys)), Delivery.state == PENDING, Delivery.next_attempt_at <= now)
        .values(state=SENDING, claimed_by=worker, lease_until=lease_until, attempts=Delivery.attempts + 1)
        .returning(Delivery)
        .execution_options(synchronize_session=False)
    )
    return list(result.scalars().all())


async def states_of(
    keys: Sequence[str], *, session: AsyncSession
) -> dict[str, tuple[str, str | None, dict[str, Any]]]:
    """key → (state, last error, progress) for these deliveries."""
    rows = await session.execute(
        select(Delivery.key, Delivery.state, Delivery.last_error, Delivery.progress)
        .where(Delivery.key.in_(list(keys))))
    return {key: (state, error, dict(progress or {})) for key, state, error, progress in rows.all()}


async def renew(ids: Sequence[int], *, session: AsyncSession, worker: str, lease_until: datetime) -> None:
    if ids:
        await session.execute(
            update(Delivery).where(Delivery.id.in_(list(ids)), Delivery.claimed_by == worker,
                                   Delivery.state == SENDING)
            .values(lease_until=lease_until)
            .execution_options(synchronize_session=False)
        )


async def save_progress(delivery_id: int, progress: dict[str, Any], *, session: AsyncSession, worker: str) -> None:
    """Remember a finished step, so a resumed delivery starts after it."""
    await session.execute(
        update(Delivery).where(Delivery.id == delivery_id, Delivery.claimed_by == worker)
        .values(progress=progress)
        .execution_options(synchronize_session=False)
    )


async def settle_sent(
    delivery_id: int, *, session: AsyncSession, worker: str, revision: int, now: datetime,
    progress: dict[str, Any] | None = None,
) -> bool:
    """Mark sent (with what its steps produced); False (and pending again) when a newer state was owed
    while this one was sent."""
    values: dict[str, Any] = {"progress": progress} if progress is not None else {}
    result = await session.execute(
        update(Delivery).where(Delivery.id == delivery_id, Delivery.claimed_by == worker,
                               Delivery.revision == revision)
        .values(state=SENT, settled_at=now, lease_until=None, last_error=None, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        return True
    # Owed again from the first step: what this revision's steps did is not what the next one must do.
    await session.execute(
        update(Delivery).where(Delivery.id == delivery_id, Delivery.claimed_by == worker)
        .values(state=PENDING, next_attempt_at=now, lease_until=None, last_error=None, progress={})
        .execution_options(synchronize_session=False)
    )
    return False


async def retry_at(
    delivery_id: int, *, session: AsyncSession, worker: str, at: datetime, error: str | None,
    progress: dict[str, Any] | None = None,
) -> None:
    """Pending again at `at`, keeping what the finished steps produced (`progress`, when given)."""
    values: dict[str, Any] = {"progress": progress} if progress is not None else {}
    await session.execute(
        update(Delivery).where(Delivery.id == delivery_id, Delivery.claimed_by == worker)
        .values(state=PENDING, next_attempt_at=at, lease_until=None, last_error=error, **values)
        .execution_options(synchronize_session=False)
    )


async def settle_failed(delivery_id: int, *, session: AsyncSession, worker: str, now: datetime, error: str,
                        progress: dict[str, Any] | None = None) -> bool:
    values: dict[str, Any] = {"progress": progress} if progress is not None else {}
    result = await session.execute(
        update(Delivery).where(Delivery.id == delivery_id, Delivery.claimed_by == worker)
        .values(state=FAILED, settled_at=now, lease_until=None, last_error=error[:200], **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def get(key: str, *, session: AsyncSession) -> Delivery | None:
    return (await session.execute(select(Delivery).where(Delivery.key == key))).scalars().first()


async def count_by_state(*, session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(Delivery.state, func.count()).group_by(Delivery.state))
    return {state: int(n) for state, n in rows.all()}


async def next_due(*, session: AsyncSession) -> datetime | None:
    """When the soonest pending delivery falls due (to sleep until then)."""
    return (await session.execute(
        select(func.min(Delivery.next_attempt_at)).where(Delivery.state == PENDING)
    )).scalar_one_or_none()
