"""The counts `/metrics` reads at each scrape: one short read, grouped in the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Delivery, Incident, Page, ScheduledJob


@dataclass
class Snapshot:
    deliveries_by_state: dict[str, int] = field(default_factory=dict)
    oldest_pending_delivery: datetime | None = None
    timers_by_state: dict[str, int] = field(default_factory=dict)
    timers_overdue: int = 0
    incidents_by_severity: dict[str, int] = field(default_factory=dict)
    pages_by_status: dict[str, int] = field(default_factory=dict)


async def snapshot(*, session: AsyncSession, now: datetime, open_statuses: list[str]) -> Snapshot:
    result = Snapshot()
    # Settled deliveries and done timers pile up over months; only the live states are counted.
    rows = await session.execute(select(Delivery.state, func.count()).where(
        Delivery.state.in_(("pending", "sending"))).group_by(Delivery.state))
    result.deliveries_by_state = {state: count for state, count in rows.all()}
    result.oldest_pending_delivery = await session.scalar(
        select(Delivery.created_at).where(Delivery.state.in_(("pending", "sending")))
        .order_by(Delivery.created_at).limit(1))
    rows = await session.execute(select(ScheduledJob.state, func.count()).where(
        ScheduledJob.state.in_(("pending", "claimed"))).group_by(ScheduledJob.state))
    result.timers_by_state = {state: count for state, count in rows.all()}
    result.timers_overdue = int(await session.scalar(select(func.count()).select_from(ScheduledJob).where(
        ScheduledJob.state == "pending", ScheduledJob.due_at <= now)) or 0)
    rows = await session.execute(select(Incident.severity, func.count()).where(
        Incident.status.in_(open_statuses)).group_by(Incident.severity))
    result.incidents_by_severity = {severity: count for severity, count in rows.all()}
    rows = await session.execute(select(Page.status, func.count()).group_by(Page.status))
    result.pages_by_status = {status: count for status, count in rows.all()}
    return result
