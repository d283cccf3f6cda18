"""Page rows (`pages`): one per notification, claimed before Slack is called and settled after.
Sessions are passed in (keyword-only); callers own the transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Page
from storage.repositories.rows import add_once

SENDING, SENT, FAILED = "sending", "sent", "failed"


async def claim_page(
    key: str,
    *,
    session: AsyncSession,
    incident_id: int,
    purpose: str,
    tier: int | None,
    target: str,
    via: str,
    at: datetime,
) -> int | None:
    """Write a page row in state `sending`; None when a page with this key was made already."""
    page = Page(idempotency_key=key[:250], incident_id=incident_id, purpose=purpose, tier=tier, target=target,
                via=via, status=SENDING, at=at)
    return page.id if await add_once(page, session=session) else None


async def settle_page(page_id: int, *, session: AsyncSession, error: str | None) -> None:
    """Mark a claimed page sent, or failed with Slack's reason."""
    await session.execute(
        update(Page)
        .where(Page.id == page_id)
        .values(status=FAILED if error else SENT, reason=error)
        .execution_options(synchronize_session=False)
    )


async def dm_targets_paged(incident_id: int, *, session: AsyncSession) -> list[str]:
    """The people an incident's pages reached by DM, first page first, each once."""
    rows = await session.execute(
        select(Page.target).where(Page.incident_id == incident_id, Page.status == SENT, Page.via == "dm")
        .order_by(Page.id)
    )
    return list(dict.fromkeys(rows.scalars()))
