"""Adding a row that a unique constraint may refuse, without spoiling the caller's transaction."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base


async def add_once(row: Base, *, session: AsyncSession) -> bool:
    """Add and flush `row`; False when a unique constraint refuses it (it was added before). The savepoint
    keeps the caller's transaction usable: on PostgreSQL a failed statement would otherwise abort it."""
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True
