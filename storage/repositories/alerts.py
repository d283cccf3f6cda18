"""Alert intake, alert groups and alerts. Sessions are passed in (keyword-only); callers own the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.alerts_models import Alert, AlertGroup, AlertIntake
from storage.repositories.rows import add_once

PENDING, PROCESSING, DONE, FAILED = "pending", "processing", "done", "failed"


async def add_intake(*, session: AsyncSession, source: str, body: dict[str, Any], alert_count: int,
                     now: datetime) -> int:
    row = AlertIntake(source=source, body=body, alert_count=alert_count, received_at=now, state=PENDING,
                      attempts=0)
    session.add(row)
    await session.flush()
    return row.id


async def add_intakes(rows: Sequence[tuple[str, dict[str, Any], int]], *, session: AsyncSession,
                      now: datetime) -> list[int]:
    """Several accepted requests in one transaction (group commit); their ids in the same order."""
    added = [AlertIntake(source=source, body=body, alert_count=count, received_at=now, state=PENDING, attempts=0)
             for source, body, count in rows]
    session.add_all(added)
    await session.flush()
    return [row.id for row in added]


def _claimable(now: datetime) -> Any:
    return (AlertIntake.state == PENDING) | ((AlertIntake.state == PROCESSING) & (AlertIntake.lease_until <= now))


async def any_claimable(*, session: AsyncSession, now: datetime) -> bool:
    """A read first, so an idle drain (the beat's) never takes SQLite's write lock for nothing."""
    return (await session.execute(select(AlertIntake.id).where(_claimable(now)).limit(1))).first() is not None


async def claim_intake(*, session: AsyncSession, now: datetime, worker: str, lease_until: datetime,
                       limit: int) -> list[AlertIntake]:
    """Pending rows, and rows whose processor's lease ran out (it died), oldest first."""
    ids = (
        select(AlertIntake.id)
        .where(_claimable(now))
        .order_by(AlertIntake.id).limit(limit).with_for_update(skip_locked=True).scalar_subquery()
    )
    result = await session.execute(
        update(AlertIntake).where(AlertIntake.id.in_(ids))
        .values(state=PROCESSING, claimed_by=worker, lease_until=lease_until, attempts=AlertIntake.attempts + 1)
        .returning(AlertIntake)
        .execution_options(synchronize_session=False)
    )
    return sorted(result.scalars().all(), key=lambda row: row.id)


async def renew_intake(ids: Sequence[int], *, session: AsyncSession, worker: str, lease_until: datetime) -> None:
    if ids:
        await session.execute(
            update(AlertIntake).where(AlertIntake.id.in_(list(ids)), AlertIntake.claimed_by == worker,
                                      AlertIntake.state == PROCESSING)
            .values(lease_until=lease_until).execution_options(synchronize_session=False))


async def finish_intake(ids: Sequence[int], *, session: AsyncSession, worker: str, state: str, now: datetime,
                        outcome: str | None = None, error: str | None = None) -> None:
    """Settle claimed rows (done, failed, or pending again for another attempt)."""
    if ids:
        await session.execute(
            update(AlertIntake).where(AlertIntake.id.in_(list(ids)), AlertIntake.claimed_by == worker)
            .values(state=state, lease_until=None, processed_at=now if state != PENDING else None,
                    outcome=outcome, last_error=error)
            .execution_options(synchronize_session=False))


async def intake_counts(*, session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(AlertIntake.state, func.count()).group_by(AlertIntake.state))
    return {state: int(n) for state, n in rows.all()}


async def alerts_by_key(source: str, keys: Sequence[str], *, session: AsyncSession) -> dict[str, Alert]:
    if not keys:
        return {}
    rows = await session.execute(select(Alert).where(Alert.source == source, Alert.alert_key.in_(list(keys))))
    return {row.alert_key: row for row in rows.scalars().all()}


async def add_alerts(alerts: Sequence[Alert], *, session: AsyncSession) -> None:
    """New alerts in one flush; a unique key taken meanwhile raises IntegrityError (the unit is retried)."""
    if alerts:
        session.add_all(alerts)
        await session.flush()


async def get_group(source: str, group_key: str, *, session: AsyncSession) -> AlertGroup | None:
    return (await session.execute(
        select(AlertGroup).where(AlertGroup.source == source, AlertGroup.group_key == group_key)
    )).scalars().first()


async def get_group_by_id(group_id: int, *, session: AsyncSession) -> AlertGroup | None:
    return await session.get(AlertGroup, group_id)


async def groups_of_incident(incident_id: int, *, session: AsyncSession) -> list[AlertGroup]:
    rows = await session.execute(select(AlertGroup).where(AlertGroup.incident_id == incident_id)
                                 .order_by(AlertGroup.id))
    return list(rows.scalars().all())


async def add_group(group: AlertGroup, *, session: AsyncSession) -> bool:
    return await add_once(group, session=session)


async def update_group(group_id: int, *, session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(update(AlertGroup).where(AlertGroup.id == group_id).values(**values)
                          .execution_options(synchronize_session=False))


async def incident_alert_counts(incident_id: int, *, session: AsyncSession) -> tuple[int, int, int]:
    """(firing, resolved, notifications received) for an incident's alerts."""
    row = (await session.execute(
        select(func.sum(case((Alert.status == "firing", 1), else_=0)),
               func.sum(case((Alert.status == "resolved", 1), else_=0)),
               func.sum(Alert.received))
        .where(Alert.incident_id == incident_id, Alert.suppressed_by.is_(None))
    )).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


async def incident_alerts(incident_id: int, *, session: AsyncSession, limit: int = 10) -> list[Alert]:
    rows = await session.execute(
        select(Alert).where(Alert.incident_id == incident_id, Alert.suppressed_by.is_(None))
        .order_by(Alert.status, Alert.last_seen.desc()).limit(limit))
    return list(rows.scalars().all())


async def suppressed_by_windows(window_ids: Sequence[int], *, session: AsyncSession) -> dict[int, list[Alert]]:
    if not window_ids:
        return {}
    rows = await session.execute(select(Alert).where(Alert.suppressed_by.in_(list(window_ids)))
                                 .order_by(Alert.first_seen))
    found: dict[int, list[Alert]] = {}
    for alert in rows.scalars().all():
        assert alert.suppressed_by is not None
        found.setdefault(alert.suppressed_by, []).append(alert)
    return found


async def alert_count_since(source: str, since: datetime, *, session: AsyncSession) -> int:
    return int((await session.execute(
        select(func.coalesce(func.sum(AlertIntake.alert_count), 0))
        .where(AlertIntake.source == source, AlertIntake.received_at >= since)
    )).scalar_one())


def touch(alert: Alert, *, status: str, now: datetime, values: dict[str, Any]) -> None:
    """Apply a repeat notification to a stored alert (a plain attribute change on a loaded row)."""
    alert.status = status
    alert.last_seen = now
    alert.received = (alert.received or 0) + 1
    alert.resolved_at = now if status == "resolved" else None
    for name, value in values.items():
        setattr(alert, name, value)




async def retry_intake(intake_id: int, *, session: AsyncSession, worker: str, error: str, at: datetime) -> None:
    """Keep the claim until `at` (a backoff); the row is claimable again when that lease runs out."""
    await session.execute(
        update(AlertIntake).where(AlertIntake.id == intake_id, AlertIntake.claimed_by == worker)
        .values(lease_until=at, last_error=error).execution_options(synchronize_session=False))
