"""Checklist runs, their item rows and their history. Sessions are passed in (keyword-only); callers own
the transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChecklistEvent, ChecklistItemState, ChecklistRun

# Item states; a run is OPEN until COMPLETED, or CLOSED unfinished when its incident ends.
OPEN, DONE, NA = "open", "done", "na"
COMPLETED, CLOSED = "completed", "closed"

_Row = TypeVar("_Row", ChecklistItemState, ChecklistEvent)


async def add_run(
    *,
    session: AsyncSession,
    template: str,
    title: str,
    items: list[dict[str, Any]],
    channel_id: str | None,
    incident_id: int | None,
    started_by: str | None,
    started_at: datetime,
    due_at: datetime | None,
    occurrence_key: str | None,
) -> ChecklistRun:
    """An open run with an open row per item. Raises IntegrityError when `occurrence_key` has its run."""
    run = ChecklistRun(template=template, title=title, items=items, channel_id=channel_id, incident_id=incident_id,
                       started_by=started_by, started_at=started_at, due_at=due_at, state=OPEN,
                       occurrence_key=occurrence_key)
    session.add(run)
    await session.flush()  # the id, and the occurrence_key conflict now rather than at commit
    session.add_all(ChecklistItemState(run_id=run.id, item_index=i, state=OPEN) for i in range(len(items)))
    return run


async def record_message_ts(run_id: int, ts: str, *, session: AsyncSession) -> None:
    """The ts of the run's message, once it is posted (the first one wins)."""
    await session.execute(
        update(ChecklistRun).where(ChecklistRun.id == run_id, ChecklistRun.message_ts.is_(None))
        .values(message_ts=ts)
        .execution_options(synchronize_session=False)
    )


async def get_run(run_id: int, *, session: AsyncSession) -> ChecklistRun | None:
    return await session.get(ChecklistRun, run_id)


async def _by_run(
    session: AsyncSession, model: type[_Row], run_ids: Iterable[int], *order_by: Any
) -> dict[int, list[_Row]]:
    """Rows of several runs in one query, grouped by run."""
    ids = list(run_ids)
    if not ids:
        return {}
    rows = (await session.execute(select(model).where(model.run_id.in_(ids)).order_by(*order_by))).scalars()
    grouped: defaultdict[int, list[_Row]] = defaultdict(list)
    for row in rows:
        grouped[row.run_id].append(row)
    return dict(grouped)


async def item_states(run_ids: Iterable[int], *, session: AsyncSession) -> dict[int, list[ChecklistItemState]]:
    """Each run's item rows, in item order."""
    return await _by_run(session, ChecklistItemState, run_ids, ChecklistItemState.item_index)


async def events(run_ids: Iterable[int], *, session: AsyncSession) -> dict[int, list[ChecklistEvent]]:
    """Each run's history, oldest first."""
    return await _by_run(session, ChecklistEvent, run_ids, ChecklistEvent.id)


async def set_item_state(
    run_id: int, item_index: int, *, session: AsyncSession, state: str, by: str | None, at: datetime | None,
    reason: str | None,
) -> bool:
    """Change one item's row; False when it was in that state already. Only that row is written, so
    people changing different items at once never overwrite each other."""
    result = await session.execute(
        update(ChecklistItemState)
        .where(ChecklistItemState.run_id == run_id, ChecklistItemState.item_index == item_index,
               ChecklistItemState.state != state)
        .values(state=state, by=by, at=at, reason=reason)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def complete_run(run_id: int, *, session: AsyncSession, at: datetime, by: str) -> bool:
    """Compare-and-set open → completed: of two people completing at once, only one wins."""
    result = await session.execute(
        update(ChecklistRun).where(ChecklistRun.id == run_id, ChecklistRun.state == OPEN)
        .values(state=COMPLETED, completed_at=at, completed_by=by)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def close_incident_runs(incident_id: int, *, session: AsyncSession) -> list[ChecklistRun]:
    """Close an incident's open runs (open → closed); returns the runs closed."""
    result = await session.execute(
        update(ChecklistRun).where(ChecklistRun.incident_id == incident_id, ChecklistRun.state == OPEN)
        .values(state=CLOSED)
        .returning(ChecklistRun)
        .execution_options(synchronize_session=False)
    )
    return list(result.scalars().all())


async def has_event(run_id: int, action: str, *, session: AsyncSession) -> bool:
    query = select(ChecklistEvent.id).where(ChecklistEvent.run_id == run_id, ChecklistEvent.action == action)
    return (await session.execute(query.limit(1))).first() is not None


async def add_event(
    run_id: int, *, session: AsyncSession, action: str, at: datetime, by: str | None = None,
    item_index: int | None = None, reason: str | None = None,
) -> None:
    session.add(ChecklistEvent(run_id=run_id, item_index=item_index, action=action, by=by, at=at, reason=reason))


async def _newest_by_id(session: AsyncSession, query: Select[tuple[ChecklistRun]], limit: int) -> list[ChecklistRun]:
    """The newest `limit` runs of the query, oldest first."""
    newest = (await session.execute(query.order_by(ChecklistRun.id.desc()).limit(limit))).scalars().all()
    return list(reversed(newest))


async def open_runs(*, session: AsyncSession, template: str | None = None, limit: int) -> list[ChecklistRun]:
    query = select(ChecklistRun).where(ChecklistRun.state == OPEN)
    if template is not None:
        query = query.where(ChecklistRun.template == template)
    return await _newest_by_id(session, query, limit)


async def runs_started_since(since: datetime, *, session: AsyncSession, limit: int) -> list[ChecklistRun]:
    return await _newest_by_id(session, select(ChecklistRun).where(ChecklistRun.started_at >= since), limit)


async def latest_runs(template: str, *, session: AsyncSession, limit: int) -> Sequence[ChecklistRun]:
    """A template's most recently started runs, newest first."""
    result = await session.execute(
        select(ChecklistRun).where(ChecklistRun.template == template)
        .order_by(ChecklistRun.started_at.desc(), ChecklistRun.id.desc()).limit(limit)
    )
    return result.scalars().all()


async def count_runs(*, session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(ChecklistRun))).scalar_one())
