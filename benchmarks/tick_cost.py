"""Tick cost against the number of pending timers: is the claim an index range scan or a full scan?

    python -m benchmarks.tick_cost [--database-url URL] [--sizes 100,100000] [--ticks 30]

For each N: N timers pending but due tomorrow, then before each measured tick 10 more due now are
added (not timed); the wall time of TimerService.tick() is measured (median of --ticks, handler a
no-op returning "ok"), and so is the claim_due() share of it.

Target: tick median with 100,000 pending <= 2.0 x the median with 100 (the (state, due_at) index
is used, the due rows are found without reading the future ones). The database's query plan for the
claim's inner SELECT is printed, built the way bot/timers.py builds it, together with the plan of the
UPDATE statement TimerService.claim_due() actually sent (captured from the engine).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, event, insert, select
from sqlalchemy.engine import Compiled
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, Executable

from benchmarks.common import (
    add_common_arguments,
    describe_url,
    fresh_database,
    main_for,
    resolve_database_url,
    verdict,
)
from bot.clock import SystemClock
from bot.scheduling.timers import CLAIMED, PENDING, Firing, TimerService
from storage.db import create_session_factory
from storage.models import ScheduledJob

TARGET_RATIO = 2.0
DUE_PER_TICK = 10
WARMUP_TICKS = 3
INSERT_BATCH = 5000
INDEX_NAME = "ix_jobs_state_due"


class Explain(Executable, ClauseElement):
    """EXPLAIN (PostgreSQL) / EXPLAIN QUERY PLAN (SQLite) of a statement, its parameters bound as usual."""

    inherit_cache = False

    def __init__(self, statement: Any) -> None:
        self.statement = statement


@compiles(Explain)
def _compile_explain(element: Explain, compiler: Compiled, **kw: Any) -> str:
    prefix = "EXPLAIN QUERY PLAN " if compiler.dialect.name == "sqlite" else "EXPLAIN "
    return prefix + compiler.process(element.statement, **kw)  # type: ignore[attr-defined]


def explain_prefix(engine: AsyncEngine) -> str:
    return "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "


def claim_inner_select(now: datetime, room: int) -> Any:
    """The inner SELECT of TimerService.claim_due() for pending jobs, built as bot/timers.py builds it."""
    return (
        select(ScheduledJob.id)
        .where(ScheduledJob.state == PENDING, ScheduledJob.due_at <= now)
        .order_by(ScheduledJob.due_at)
        .limit(room)
        .with_for_update(skip_locked=True)
    )


def full_scan(lines: list[str]) -> bool:
    """A plan line reading the whole table: PostgreSQL's Seq Scan, SQLite's SCAN without an index."""
    for line in lines:
        if "Seq Scan on scheduled_jobs" in line:
            return True
        if line.strip().startswith("SCAN scheduled_jobs") and "INDEX" not in line:
            return True
    return False


def plan_lines(rows: list[Any], dialect: str) -> list[str]:
    if dialect == "sqlite":
        # (id, parent, notused, detail)
        return [f"{row[3]}" for row in rows]
    return [str(row[0]) for row in rows]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.tick_cost",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    add_common_arguments(parser)
    parser.add_argument("--sizes", default="100,100000",
                        help="pending future timers, comma-separated; the ratio is last/first (default 100,100000)")
    parser.add_argument("--ticks", type=int, default=30, help="measured ticks per size (default 30)")
    parser.add_argument("--reuse-connections", action="store_true",
                        help="keep the connection pool from one size to the next (default: a fresh pool per size, "
                             "as a freshly started bot has; with reuse, PostgreSQL keeps plans it cached for "
                             "the claim while the table was small)")
    parser.add_argument("--batch", type=int, default=None,
                        help="TimerService(batch=...); default: the service's own default")
    return parser.parse_args(argv)


async def insert_jobs(sessions: Any, due: list[datetime], created_at: datetime) -> None:
    rows = [
        {"kind": "bench", "due_at": at, "state": PENDING, "payload": {}, "attempts": 0, "created_at": created_at}
        for at in due
    ]
    async with sessions.begin() as session:
        for start in range(0, len(rows), INSERT_BATCH):
            await session.execute(insert(ScheduledJob), rows[start:start + INSERT_BATCH])


class ClaimCapture:
    """Records the claim UPDATE statements the engine sends, to EXPLAIN exactly those."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.statements: list[tuple[str, Any]] = []
        self.active = False

    def __enter__(self) -> ClaimCapture:
        self.active = True
        event.listen(self.engine.sync_engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine.sync_engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
                executemany: bool) -> None:
        normalised = " ".join(statement.split()).upper()
        if not executemany and normalised.startswith("UPDATE SCHEDULED_JOBS") and "RETURNING" in normalised:
            self.statements.append((statement, parameters))


async def explain(engine: AsyncEngine, service: TimerService, sessions: Any) -> dict[str, list[str]]:
    dialect = engine.dialect.name
    plans: dict[str, list[str]] = {}
    async with engine.connect() as connection:
        rows = (await connection.execute(Explain(claim_inner_select(service.clock.now(), service.batch)))).all()
        plans["inner SELECT (pending, as bot/timers.py builds it)"] = plan_lines(list(rows), dialect)
    # The statements claim_due() really sends: refill due jobs, claim them, explain what was sent.
    await insert_jobs(sessions, [service.clock.now() - timedelta(seconds=1)] * DUE_PER_TICK, service.clock.now())
    with ClaimCapture(engine) as capture:
        await service.claim_due()
    async with engine.connect() as connection:
        for index, (statement, parameters) in enumerate(capture.statements):
            raw = await connection.exec_driver_sql(explain_prefix(engine) + statement, parameters)
            label = "claim UPDATE (pending)" if index == 0 else "claim UPDATE (expired leases)"
            plans[f"{label}, as sent by claim_due()"] = plan_lines(list(raw.all()), dialect)
    # Drop the jobs claimed for the plan, so they do not linger as claims.
    async with sessions.begin() as session:
        await session.execute(delete(ScheduledJob).where(ScheduledJob.state == CLAIMED))
    return plans


async def measure(engine: AsyncEngine, sessions: Any, service: TimerService, size: int,
                  ticks: int) -> dict[str, Any]:
    clock = service.clock
    async with sessions.begin() as session:
        await session.execute(delete(ScheduledJob))
    tomorrow = clock.now() + timedelta(days=1)
    started = time.perf_counter()
    await insert_jobs(sessions, [tomorrow + timedelta(milliseconds=index) for index in range(size)], clock.now())
    insert_seconds = time.perf_counter() - started

    claim_times: list[float] = []
    original_claim = service.claim_due

    async def timed_claim() -> list[ScheduledJob]:
        begun = time.perf_counter()
        try:
            return await original_claim()
        finally:
            claim_times.append(time.perf_counter() - begun)

    service.claim_due = timed_claim  # type: ignore[method-assign]
    tick_times: list[float] = []
    try:
        for round_number in range(WARMUP_TICKS + ticks):
            await insert_jobs(sessions, [clock.now() - timedelta(seconds=1)] * DUE_PER_TICK, clock.now())
            begun = time.perf_counter()
            fired = await service.tick()
            elapsed = time.perf_counter() - begun
            if fired != DUE_PER_TICK:
                raise RuntimeError(f"tick fired {fired} jobs, expected {DUE_PER_TICK}")
            if round_number >= WARMUP_TICKS:
                tick_times.append(elapsed)
    finally:
        service.claim_due = original_claim  # type: ignore[method-assign]
    claim_times = claim_times[WARMUP_TICKS:]
    plans = await explain(engine, service, sessions)
    return {
        "pending": size,
        "insert_seconds": insert_seconds,
        "tick_median": statistics.median(tick_times),
        "tick_min": min(tick_times),
        "tick_max": max(tick_times),
        "claim_median": statistics.median(claim_times),
        "plans": plans,
        "index_used": INDEX_NAME in "\n".join(plans["inner SELECT (pending, as bot/timers.py builds it)"]),
        "full_scan": any(full_scan(lines) for lines in plans.values()),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    url = resolve_database_url(args.database_url)
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"# tick_cost on {describe_url(url)}")
    engine = await fresh_database(url)
    sessions = create_session_factory(engine)
    kwargs = {} if args.batch is None else {"batch": args.batch}
    service = TimerService(sessions, SystemClock(), **kwargs)

    async def no_op(_firing: Firing) -> str:
        return "ok"

    service.on("bench", no_op)
    results = []
    for size in sizes:
        if not args.reuse_connections:
            await engine.dispose()
        result = await measure(engine, sessions, service, size, args.ticks)
        results.append(result)
        print(f"\nN = {size:,} pending due tomorrow (+{DUE_PER_TICK} due now; inserted in "
              f"{result['insert_seconds']:.2f} s)")
        print(f"  tick  median {result['tick_median'] * 1000:.2f} ms  (min {result['tick_min'] * 1000:.2f}, "
              f"max {result['tick_max'] * 1000:.2f}; {args.ticks} ticks of {DUE_PER_TICK} jobs)")
        print(f"  claim_due median {result['claim_median'] * 1000:.2f} ms")
        for label, lines in result["plans"].items():
            if size != sizes[-1] and not label.startswith("inner"):
                continue  # the full set of plans only for the largest size
            print(f"  plan of the {label}:")
            for line in lines:
                print(f"    {line}")
        print(f"  index {INDEX_NAME} used by the inner SELECT: {'yes' if result['index_used'] else 'NO'}; "
              f"full table scan in any claim plan: {'YES' if result['full_scan'] else 'no'}")
    await engine.dispose()

    first, last = results[0], results[-1]
    ratio = last["tick_median"] / first["tick_median"]
    claim_ratio = last["claim_median"] / first["claim_median"]
    # A tiny table may be read whole by choice; the largest one must be searched through an index.
    ok = ratio <= TARGET_RATIO and last["index_used"] and not last["full_scan"]
    print()
    print(f"tick median {first['tick_median'] * 1000:.2f} ms at N={first['pending']:,}, "
          f"{last['tick_median'] * 1000:.2f} ms at N={last['pending']:,}: ratio {ratio:.2f}")
    print(f"claim_due median ratio {claim_ratio:.2f}")
    print(f"{verdict(ok)}: ratio {ratio:.2f} (target <= {TARGET_RATIO}); at N={last['pending']:,} index used: "
          f"{'yes' if last['index_used'] else 'NO'}, full scan: {'YES' if last['full_scan'] else 'no'}")
    return {
        "benchmark": "tick_cost",
        "database": engine.dialect.name,
        "database_url": describe_url(url),
        "sizes": results,
        "ratio": ratio,
        "claim_ratio": claim_ratio,
        "index_used": last["index_used"],
        "full_scan": last["full_scan"],
        "reuse_connections": args.reuse_connections,
        "target_ratio": TARGET_RATIO,
        "pass": ok,
    }


def main(argv: list[str] | None = None) -> int:
    return main_for(parse_args, run, argv)


if __name__ == "__main__":
    sys.exit(main())
