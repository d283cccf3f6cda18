"""The 30-day report over 100,000 incidents with their timelines and pages, on SQLite or PostgreSQL.

    python -m benchmarks.reports                                   # SQLite, a fresh temporary file
    python -m benchmarks.reports --incidents 20000                 # smaller
    python -m benchmarks.reports --database-url postgresql://postgres@127.0.0.1:5432/<scratch> --reset

Incidents are spread over a year (so about 8,200 fall in the last 30 days), each with three timeline
entries and a page. Measured: the report's numbers (every aggregate, computed by the database) and the
numbers plus the weekly series and the chart PNG. Targets (issue 12): under 300 ms for the numbers and
under 1 s with the chart. `--reset` drops and recreates schema `public` of the PostgreSQL database given:
never point it at a database you care about.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks.common import describe_url, resolve_database_url, write_json
from bot.i18n import Catalog
from bot.policy.loader import load_policy
from bot.reports.chart import render_chart
from bot.reports.service import compute
from storage.db import create_engine, create_session_factory, upgrade_database
from storage.models import Incident, Page, TimelineEntry
from storage.repositories import reports as repo
from storage.repositories.reports import Window

SEVERITIES = (("P0", 0.03), ("P1", 0.12), ("P2", 0.45), ("P3", 0.3), ("P4", 0.1))
SERVICES = [f"service-{i}" for i in range(20)]
CHUNK = 5000


def rows(count: int, now: datetime, seed: int = 12) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                                             list[dict[str, Any]]]:
    rng = random.Random(seed)
    incidents, entries, pages = [], [], []
    ids = [s for s, _w in SEVERITIES]
    weights = [w for _s, w in SEVERITIES]
    for number in range(1, count + 1):
        declared = now - timedelta(seconds=rng.uniform(0, 365 * 86400))
        tta = int(rng.expovariate(1 / 300)) + 5
        ttr = tta + int(rng.expovariate(1 / 5400)) + 60
        mitigated = declared + timedelta(seconds=(tta + ttr) // 2) if rng.random() < 0.6 else None
        resolved = declared + timedelta(seconds=ttr)
        is_resolved = resolved < now
        incidents.append({
            "id": number, "title": f"incident {number}", "severity": rng.choices(ids, weights)[0],
            "status": "resolved" if is_resolved else "acknowledged", "service": rng.choice(SERVICES),
            "declared_by": "UBENCH", "declared_at": declared, "acknowledged_at": declared + timedelta(seconds=tta),
            "time_to_ack_seconds": tta, "mitigated_at": mitigated, "resolved_at": resolved if is_resolved else None,
            "time_to_resolve_seconds": ttr if is_resolved else None, "version": 1, "escalation_level": 0,
            "escalation_round": 0,
        })
        for offset, kind in ((0, "declared"), (tta, "acknowledged"), (ttr, "resolved")):
            entries.append({"incident_id": number, "at": declared + timedelta(seconds=offset), "actor_id": "UBENCH",
                            "kind": kind, "data": {}})
        pages.append({"idempotency_key": f"bench:{number}", "incident_id": number, "purpose": "escalation",
                      "tier": 0, "target": f"UONCALL{number % 6}", "via": "dm", "status": "sent",
                      "at": declared + timedelta(seconds=60), "delay_told": False})
    return incidents, entries, pages


async def reset_postgres_schema(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    url = resolve_database_url(args.database_url)
    if url.startswith("postgresql"):
        if not args.reset:
            raise SystemExit("PostgreSQL: pass --reset to drop and recreate schema public of that database")
        await reset_postgres_schema(url)
    engine = create_engine(url, timeout=120)
    await upgrade_database(engine)
    now = datetime.now(UTC).replace(microsecond=0)
    incidents, entries, pages = rows(args.incidents, now)
    loading = time.perf_counter()
    for table, data in ((Incident.__table__, incidents), (TimelineEntry.__table__, entries), (Page.__table__, pages)):
        for start in range(0, len(data), CHUNK):
            async with engine.begin() as connection:
                await connection.execute(insert(table), data[start:start + CHUNK])
    if url.startswith("postgresql"):
        async with engine.begin() as connection:
            await connection.execute(text("ANALYZE"))
    loaded = time.perf_counter() - loading
    sessions = create_session_factory(engine, timeout=120)
    policy = load_policy(None)
    catalog = Catalog("ko")
    window = Window(now - timedelta(days=30), now)
    numbers, with_chart = [], []
    report = None
    for _ in range(args.runs):
        started = time.perf_counter()
        async with sessions() as session:
            report = await compute(window, policy, now, session=session)
        numbers.append(time.perf_counter() - started)
        started = time.perf_counter()
        async with sessions() as session:
            report = await compute(window, policy, now, session=session)
            chart_window = Window(now - timedelta(weeks=8), now)
            weekly, trend = await repo.weekly(chart_window, session=session)
        series = {"start": chart_window.start.isoformat(), "weekly": weekly,
                  "trend": {m: {str(k): v for k, v in per.items()} for m, per in trend.items()}}
        png = render_chart(catalog, series)
        with_chart.append(time.perf_counter() - started)
    await engine.dispose()
    assert report is not None
    results = {
        "database": describe_url(url).split("://", 1)[0], "incidents": args.incidents,
        "in_window": report.total, "load_seconds": round(loaded, 1),
        "numbers_ms_median": round(1000 * statistics.median(numbers), 1),
        "numbers_ms_max": round(1000 * max(numbers), 1),
        "with_chart_ms_median": round(1000 * statistics.median(with_chart), 1),
        "with_chart_ms_max": round(1000 * max(with_chart), 1), "png_bytes": len(png),
    }
    results["pass"] = results["numbers_ms_median"] < 300 and results["with_chart_ms_median"] < 1000
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--reset", action="store_true", help="PostgreSQL: drop and recreate schema public first")
    parser.add_argument("--json-out", default=None)
    args = parser.parse_args(argv)
    results = asyncio.run(run(args))
    write_json(args.json_out, results)
    for key, value in results.items():
        print(f"{key:24} {value}")
    return 0 if results["pass"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
