"""Giving claims back at shutdown: timers, deliveries and alert intake this worker holds get a lease that has
already run out, so another replica takes them on its next look (a delivery taken that way is looked for in Slack
before it is sent again, as after a crash)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.alerts_models import AlertIntake
from storage.models import Delivery, ScheduledJob


async def release(*, session: AsyncSession, worker: str, now: datetime) -> tuple[int, int]:
    """Returns (timers, deliveries) released."""
    timers = await session.execute(
        update(ScheduledJob).where(ScheduledJob.state == "claimed", ScheduledJob.claimed_by == worker)
        .values(lease_until=now).execution_options(synchronize_session=False))
    deliveries = await session.execute(
        update(Delivery).where(Delivery.state == "sending", Delivery.claimed_by == worker)
        .values(lease_until=now).execution_options(synchronize_session=False))
    # Alerts taken in but not yet processed go back the same way.
    await session.execute(
        update(AlertIntake).where(AlertIntake.state == "processing", AlertIntake.claimed_by == worker)
        .values(lease_until=now).execution_options(synchronize_session=False))
    return int(timers.rowcount or 0), int(deliveries.rowcount or 0)  # type: ignore[attr-defined]
