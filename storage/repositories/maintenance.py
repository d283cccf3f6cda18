"""Maintenance windows. Sessions are passed in (keyword-only); callers own the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import MaintenanceWindow
from storage.repositories.rows import add_once

SCHEDULED, CANCELLED = "scheduled", "cancelled"


async def add_window(
    *,
    session: AsyncSession,
    title: str,
    services: list[str],
    starts_at: datetime,
    ends_at: datetime,
    created_by: str | None,
    created_at: datetime,
    occurrence_key: str | None = None,
) -> MaintenanceWindow | None:
    """Add a scheduled window; None when this occurrence of a recurring window exists already."""
    window = MaintenanceWindow(title=title, services=services, starts_at=starts_at, ends_at=ends_at,
                               state=SCHEDULED, created_by=created_by, created_at=created_at,
                               occurrence_key=occurrence_key)
    if occurrence_key is None:
        session.add(window)
        await session.flush()  # the id names its timers
        return window
    return window if await add_once(window, session=session) else None


async def get_window(window_id: int, *, session: AsyncSession) -> MaintenanceWindow | None:
    return await session.get(MaintenanceWindow, window_id)


async def windows_not_over(*, session: AsyncSession, now: datetime, limit: int = 30) -> Sequence[MaintenanceWindow]:
    """Scheduled windows that have not ended, active ones included, soonest first."""
    result = await session.execute(
        select(MaintenanceWindow)
        .where(MaintenanceWindow.state == SCHEDULED, MaintenanceWindow.ends_at > now)
        .order_by(MaintenanceWindow.starts_at)
        .limit(limit)
    )
    return result.scalars().all()


async def windows_active_at(at: datetime, *, session: AsyncSession) -> Sequence[MaintenanceWindow]:
    """Scheduled windows under way at `at`, earliest start first."""
    result = await session.execute(
        select(MaintenanceWindow)
        .where(MaintenanceWindow.state == SCHEDULED, MaintenanceWindow.starts_at <= at, MaintenanceWindow.ends_at > at)
        .order_by(MaintenanceWindow.starts_at)
    )
    return result.scalars().all()
