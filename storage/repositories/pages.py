"""Page rows (`pages`): one per notification, written with the outbox delivery that sends it and settled
when the delivery is. Sessions are passed in (keyword-only); callers own the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Page
from storage.repositories.rows import add_once

# `queued`: owed to Slack through the outbox; it becomes sent or failed when the delivery settles.
# `expanded`: a user group (via `group`) Slack listed late; its members' own pages stand for it.
QUEUED, SENT, FAILED, EXPANDED = "queued", "sent", "failed", "expanded"


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
    """Write a page row in state `queued`; None when a page with this key was made already."""
    page = Page(idempotency_key=key[:250], incident_id=incident_id, purpose=purpose, tier=tier, target=target,
                via=via, status=QUEUED, at=at)
    return page.id if await add_once(page, session=session) else None


async def settle_page(page_id: int, *, session: AsyncSession, error: str | None, at: datetime,
                      delayed: timedelta | None = None) -> None:
    """Mark a page sent (noting how late, when an outage held it back), or failed with Slack's reason."""
    values: dict[str, object] = {"status": FAILED if error else SENT, "reason": error, "settled_at": at}
    if delayed is not None:
        values["delayed_seconds"] = int(delayed.total_seconds())
    await session.execute(
        update(Page).where(Page.id == page_id).values(**values).execution_options(synchronize_session=False)
    )


async def settle_group(page_id: int, *, session: AsyncSession, at: datetime) -> None:
    """A user group listed late: its members were owed pages of their own."""
    await session.execute(
        update(Page).where(Page.id == page_id).values(status=EXPANDED, settled_at=at)
        .execution_options(synchronize_session=False)
    )


async def dm_targets_paged(incident_id: int, *, session: AsyncSession, before: int | None = None) -> list[str]:
    """The people an incident's pages reached by DM (before page `before`), first page first, each once."""
    query = select(Page.target).where(Page.incident_id == incident_id, Page.status == SENT, Page.via == "dm")
    if before is not None:
        query = query.where(Page.id < before)
    rows = await session.execute(query.order_by(Page.id))
    return list(dict.fromkeys(rows.scalars()))


def _under(firing_key: str) -> ColumnElement[bool]:
    # Page keys are `<firing key>:<target>:<via>`; LIKE wildcards in a key would only widen the match.
    return Page.idempotency_key.startswith(firing_key + ":", autoescape=True)


async def any_reachable(firing_key: str, *, session: AsyncSession) -> bool:
    """Whether a page of this firing was sent or may still be (not every one failed for good)."""
    found = await session.execute(
        select(Page.id).where(_under(firing_key), Page.status.not_in([FAILED, EXPANDED])).limit(1))
    return found.first() is not None


async def failed_under(firing_key: str, *, session: AsyncSession) -> list[tuple[str, str]]:
    rows = await session.execute(
        select(Page.target, Page.reason).where(_under(firing_key), Page.status == FAILED).order_by(Page.id))
    return [(target, reason or "unknown_error") for target, reason in rows.all()]


async def any_queued(incident_id: int, *, session: AsyncSession) -> bool:
    """Whether a page of this incident is still owed to Slack (or a user group still to be listed)."""
    found = await session.execute(select(Page.id).where(Page.incident_id == incident_id, Page.status == QUEUED)
                                  .limit(1))
    return found.first() is not None


async def delayed_untold(incident_id: int, *, session: AsyncSession) -> Sequence[Page]:
    """Pages an outage held back that the commander has not been told about yet."""
    rows = await session.execute(
        select(Page).where(Page.incident_id == incident_id, Page.delayed_seconds.is_not(None),
                           Page.delay_told.is_(False)).order_by(Page.id))
    return rows.scalars().all()


async def mark_delay_told(page_ids: Sequence[int], *, session: AsyncSession) -> None:
    if page_ids:
        await session.execute(update(Page).where(Page.id.in_(list(page_ids))).values(delay_told=True)
                              .execution_options(synchronize_session=False))
