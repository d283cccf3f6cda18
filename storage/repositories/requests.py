"""Slack request ids already handled, so a retried request is recognised."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedRequest


async def claim_request(key: str, *, session: AsyncSession, at: datetime) -> bool:
    """Record a Slack request id; False when it was seen before (a retry)."""
    try:
        async with session.begin_nested():
            await session.execute(insert(ProcessedRequest).values(key=key, received_at=at))
        return True
    except IntegrityError:
        return False


async def forget_requests_before(cutoff: datetime, *, session: AsyncSession) -> int:
    result = await session.execute(delete(ProcessedRequest).where(ProcessedRequest.received_at < cutoff))
    return result.rowcount  # type: ignore[attr-defined]


async def select_one(*, session: AsyncSession) -> None:
    """The cheapest round trip: the database is answering."""
    await session.execute(text("SELECT 1"))
