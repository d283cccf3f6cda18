"""Report aggregates, computed by the database (SQLite and PostgreSQL): counts, medians and p90s, SLA
attainment, downtime per service, the slowest incidents, pages per person, weekly series for charts.

Quantiles are interpolated between the two nearest ranks (like numpy's default and PostgreSQL's
percentile_cont), written with window functions that both databases have. Sessions are passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, Integer, and_, case, cast, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from storage.models import Incident, Page
from storage.postmortems_models import ReportSnapshot
from storage.repositories.rows import add_once
from storage.types import UTCDateTime

try:  # alert intake (issue: alerts) may be absent from a checkout; the report then leaves the line out
    from storage.alerts_models import Alert
except ImportError:  # pragma: no cover
    Alert = None  # type: ignore[assignment,misc]

MEDIAN, P90 = (1, 2), (9, 10)
WEEK_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class Window:
    """Incidents declared in [start, end), of one service or all."""

    start: datetime
    end: datetime
    service: str | None = None

    def where(self) -> list[ColumnElement[bool]]:
        conditions = [Incident.declared_at >= self.start, Incident.declared_at < self.end]
        if self.service is not None:
            conditions.append(Incident.service == self.service)
        return conditions


def _dialect(session: AsyncSession) -> str:
    bind = session.bind
    assert bind is not None
    return bind.dialect.name


def _moment(value: datetime) -> ColumnElement[Any]:
    return literal(value, UTCDateTime())


def seconds_between(dialect: str, later: Any, earlier: Any) -> ColumnElement[float]:
    if dialect == "postgresql":
        return cast(func.extract("epoch", later - earlier), Float)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _greatest(dialect: str, a: Any, b: Any) -> ColumnElement[Any]:
    return func.greatest(a, b) if dialect == "postgresql" else func.max(a, b)


def _least(dialect: str, a: Any, b: Any) -> ColumnElement[Any]:
    return func.least(a, b) if dialect == "postgresql" else func.min(a, b)


def time_to_mitigate(dialect: str) -> ColumnElement[float]:
    """Declared → mitigated, or → resolved when it was never marked mitigated."""
    return seconds_between(dialect, func.coalesce(Incident.mitigated_at, Incident.resolved_at), Incident.declared_at)


async def counts(window: Window, *, session: AsyncSession) -> list[tuple[str, str | None, int]]:
    """(severity, service, incidents)."""
    result = await session.execute(
        select(Incident.severity, Incident.service, func.count()).where(*window.where())
        .group_by(Incident.severity, Incident.service).order_by(Incident.severity, Incident.service)
    )
    return [(row[0], row[1], int(row[2])) for row in result]


async def quantiles(
    values: dict[str, ColumnElement[Any]], where: Sequence[ColumnElement[bool]], *, session: AsyncSession,
    key: ColumnElement[Any] | None = None,
) -> dict[str, dict[Any, tuple[int, float | None, float | None]]]:
    """Per metric, per key (or for everything when no key): (count, median, p90) of its value, NULLs left out.
    One statement for every metric: each ranked within its key, its NULLs in a partition of their own."""
    # The values once per incident (an expression such as time to mitigate is not evaluated per use).
    base = select((key if key is not None else literal(0)).label("k"),
                  *(value.label(name) for name, value in values.items())).where(*where).subquery()
    partition = [base.c.k] if key is not None else []
    ranks: list[ColumnElement[Any]] = []
    for name in values:
        value = base.c[name]
        ranks += [
            value.label(f"{name}_v"),
            func.row_number().over(partition_by=[*partition, value.is_(None)], order_by=value).label(f"{name}_rn"),
            func.count(value).over(partition_by=partition).label(f"{name}_n"),
        ]
    ranked = select(base.c.k, *ranks).subquery()
    columns: list[ColumnElement[Any]] = []
    for name in values:
        v, rn, n = ranked.c[f"{name}_v"], ranked.c[f"{name}_rn"], ranked.c[f"{name}_n"]
        columns.append(func.max(n))
        for num, den in (MEDIAN, P90):
            position = (n - 1) * num
            low = position // den
            fraction = position % den
            high = low + case((fraction > 0, 1), else_=0)
            low_value = func.max(case((and_(v.is_not(None), rn - 1 == low), v)))
            high_value = func.max(case((and_(v.is_not(None), rn - 1 == high), v)))
            weight = func.max(case((v.is_not(None), fraction)))
            columns.append(cast(low_value, Float) + (cast(high_value, Float) - cast(low_value, Float))
                           * cast(weight, Float) / den)
    result = await session.execute(select(ranked.c.k, *columns).group_by(ranked.c.k))
    numbers: dict[str, dict[Any, tuple[int, float | None, float | None]]] = {name: {} for name in values}
    for row in result:
        for index, name in enumerate(values):
            count, median, p90 = row[1 + 3 * index: 4 + 3 * index]
            if count:
                numbers[name][row[0]] = (int(count), _float(median), _float(p90))
    return numbers


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


async def response_times(window: Window, *, session: AsyncSession) -> dict[str, dict[str, Any]]:
    """Per metric (mtta, mttm, mttr), per severity and for all: (count, median, p90) in seconds."""
    dialect = _dialect(session)
    metrics = {"mtta": Incident.time_to_ack_seconds, "mttm": time_to_mitigate(dialect),
               "mttr": Incident.time_to_resolve_seconds}
    per_severity = await quantiles(metrics, window.where(), session=session, key=Incident.severity)
    overall = await quantiles(metrics, window.where(), session=session)
    numbers: dict[str, dict[str, Any]] = {}
    for name in metrics:
        numbers[name] = {**per_severity[name], "all": overall[name].get(0, (0, None, None))}
    return numbers


async def sla(window: Window, targets: dict[str, tuple[int, int]], *,
              session: AsyncSession) -> dict[str, tuple[int, int, int, int]]:
    """Per severity: (acknowledged in time, acknowledged, resolved in time, resolved); targets are
    (ack seconds, resolve seconds) per severity."""
    if not targets:
        return {}
    ack_target = case(*((Incident.severity == s, a) for s, (a, _r) in targets.items()), else_=None)
    resolve_target = case(*((Incident.severity == s, r) for s, (_a, r) in targets.items()), else_=None)
    tta, ttr = Incident.time_to_ack_seconds, Incident.time_to_resolve_seconds
    result = await session.execute(
        select(
            Incident.severity,
            func.sum(case((tta <= ack_target, 1), else_=0)), func.count(tta),
            func.sum(case((and_(ttr <= resolve_target, Incident.status == "resolved"), 1), else_=0)),
            func.count(case((Incident.status == "resolved", ttr))),
        ).where(*window.where()).group_by(Incident.severity).order_by(Incident.severity)
    )
    return {row[0]: (int(row[1] or 0), int(row[2]), int(row[3] or 0), int(row[4])) for row in result}


async def downtime(window: Window, severities: Sequence[str], now: datetime, *,
                   session: AsyncSession) -> dict[str, float]:
    """Seconds of downtime per service: the union of its incidents' intervals (declared → resolved, or now
    while open) at the given severities, clipped to the window. Overlapping incidents count once."""
    dialect = _dialect(session)
    start, end = _moment(window.start), _moment(min(window.end, now))
    ends_at = func.coalesce(Incident.resolved_at, _moment(now))
    # Three index look-ups: declared in the window, or before it and resolved after it started, or still open.
    overlapping = or_(and_(Incident.declared_at >= start, Incident.declared_at < end),
                      and_(Incident.declared_at < start, Incident.resolved_at > start),
                      and_(Incident.declared_at < start, Incident.resolved_at.is_(None)))
    conditions = [overlapping, Incident.severity.in_(list(severities)), Incident.service.is_not(None)]
    if window.service is not None:
        conditions.append(Incident.service == window.service)
    clipped = select(
        Incident.service.label("service"),
        _greatest(dialect, Incident.declared_at, start).label("s"),
        _least(dialect, ends_at, end).label("e"),
    ).where(*conditions).subquery()
    ordered = select(
        clipped.c.service, clipped.c.s, clipped.c.e,
        func.max(clipped.c.e).over(partition_by=clipped.c.service, order_by=(clipped.c.s, clipped.c.e),
                                   rows=(None, -1)).label("reach"),
    ).subquery()
    islands = select(
        ordered.c.service, ordered.c.s, ordered.c.e,
        func.sum(case((or_(ordered.c.reach.is_(None), ordered.c.s > ordered.c.reach), 1), else_=0)).over(
            partition_by=ordered.c.service, order_by=(ordered.c.s, ordered.c.e), rows=(None, 0)).label("island"),
    ).subquery()
    spans = select(islands.c.service, func.min(islands.c.s).label("s"), func.max(islands.c.e).label("e")) \
        .group_by(islands.c.service, islands.c.island).subquery()
    result = await session.execute(
        select(spans.c.service, func.sum(seconds_between(dialect, spans.c.e, spans.c.s))).group_by(spans.c.service)
    )
    return {row[0]: max(0.0, float(row[1] or 0)) for row in result}


async def slowest(window: Window, *, session: AsyncSession, limit: int = 5) -> list[tuple[int, str, str, int]]:
    """(number, title, severity, seconds to resolve), slowest first."""
    result = await session.execute(
        select(Incident.id, Incident.title, Incident.severity, Incident.time_to_resolve_seconds)
        .where(*window.where(), Incident.time_to_resolve_seconds.is_not(None))
        .order_by(Incident.time_to_resolve_seconds.desc(), Incident.id).limit(limit)
    )
    return [(int(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in result]


async def pages_per_person(window: Window, *, session: AsyncSession, limit: int = 10) -> list[tuple[str, int]]:
    """People (DM pages Slack accepted) by how often they were paged in the window, most first."""
    query = (select(Page.target, func.count()).join(Incident, Incident.id == Page.incident_id)
             .where(Page.at >= window.start, Page.at < window.end, Page.via == "dm", Page.status == "sent"))
    if window.service is not None:
        query = query.where(Incident.service == window.service)
    result = await session.execute(query.group_by(Page.target).order_by(func.count().desc(), Page.target).limit(limit))
    return [(str(r[0]), int(r[1])) for r in result]


async def weekly(window: Window, *, session: AsyncSession) -> tuple[list[tuple[int, str, int]], dict[str, Any]]:
    """For the charts: (week index, severity, incidents), and per metric per week (count, median, p90) of
    MTTA and MTTR; weeks counted from the window's start."""
    dialect = _dialect(session)
    weeks = seconds_between(dialect, Incident.declared_at, _moment(window.start)) / WEEK_SECONDS
    # Never negative (declared after the start), so truncation is the floor on SQLite too.
    bucket = cast(func.floor(weeks), Integer) if dialect == "postgresql" else cast(weeks, Integer)
    result = await session.execute(
        select(bucket.label("w"), Incident.severity, func.count()).where(*window.where())
        .group_by(bucket, Incident.severity).order_by(bucket, Incident.severity)
    )
    counts_ = [(int(r[0]), str(r[1]), int(r[2])) for r in result]
    trend = await quantiles({"mtta": Incident.time_to_ack_seconds, "mttr": Incident.time_to_resolve_seconds},
                            window.where(), session=session, key=bucket)
    return counts_, trend


async def suppressed_alerts(window: Window, *, session: AsyncSession) -> int | None:
    """Alerts a maintenance window suppressed in the window (first seen then); None without alert intake."""
    if Alert is None:
        return None
    query = select(func.count()).select_from(Alert).where(
        Alert.suppressed_by.is_not(None), Alert.first_seen >= window.start, Alert.first_seen < window.end)
    if window.service is not None:
        query = query.where(Alert.service == window.service)
    return int((await session.execute(query)).scalar_one())


# --- snapshots ----------------------------------------------------------------------------------------------


async def add_snapshot(*, session: AsyncSession, name: str, start: datetime, end: datetime, now: datetime,
                       headline: dict[str, Any], occurrence_key: str | None) -> ReportSnapshot | None:
    row = ReportSnapshot(name=name, period_start=start, period_end=end, created_at=now, headline=headline,
                         occurrence_key=occurrence_key)
    return row if await add_once(row, session=session) else None


async def latest_snapshot(*, session: AsyncSession) -> ReportSnapshot | None:
    result = await session.execute(select(ReportSnapshot).order_by(ReportSnapshot.created_at.desc(),
                                                                   ReportSnapshot.id.desc()).limit(1))
    return result.scalar_one_or_none()
