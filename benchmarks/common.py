"""Shared helpers: the scratch databases, percentiles, result files, and a look at Firebell's backlog."""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import math
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.settings import normalise_database_url
from storage.db import create_engine, upgrade_database
from storage.models import Delivery, Incident, TimelineEntry
from storage.repositories.outbox import PENDING, SENDING

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/fb_bench"

DATABASE_HELP = (
    "database to benchmark on (default: a fresh SQLite file in a new temporary directory). "
    f"PostgreSQL works too, e.g. {PG_DEFAULT}: WARNING, its schema `public` is DROPPED and recreated "
    "first (as tests/conftest.py does), so never point this at a database you care about, or at one a "
    "test run is using at the same time."
)


# --- figures -------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), linear interpolation between closest ranks (numpy's default);
    infinite once it reaches an infinite value."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = math.ceil(position)
    if low == high or math.isinf(ordered[high]):  # inf: "did not happen in time" (see timer_lateness)
        return ordered[high]
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(values: Sequence[float]) -> dict[str, float]:
    """n, p50, p95, p99 and max of a sample (NaN when it is empty)."""
    return {"n": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95),
            "p99": percentile(values, 99), "max": max(values) if values else math.nan}


def ratio(value: float, base: float) -> float:
    return value / base if base and not math.isnan(base) else math.nan


def write_json(path: str | Path | None, results: dict[str, Any]) -> None:
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(results, indent=2, default=str, allow_nan=True))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# --- databases -----------------------------------------------------------------------------------------


def describe_url(url: str) -> str:
    """The URL without a password, for printing."""
    return make_url(url).render_as_string(hide_password=True)


def check_scratch(url: str) -> None:
    """Refuse the PostgreSQL databases other people's test runs use, `test` and `fb_h*`: a benchmark drops
    its database's schema."""
    parsed = make_url(url)
    name = parsed.database or ""
    if parsed.get_backend_name() == "postgresql" and (name == "test" or name.startswith("fb_h")):
        raise SystemExit(f"refusing to benchmark on {name!r}: use a scratch database such as fb_bench")


async def reset_postgres(url: str) -> None:
    """Drop and recreate schema public (creating the database first when it does not exist yet)."""
    check_scratch(url)
    parsed = make_url(url)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    except Exception as exc:
        if "does not exist" not in str(exc):
            raise
        admin = create_async_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as connection:
                await connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        finally:
            await admin.dispose()
    finally:
        await engine.dispose()


def resolve_database_url(raw: str | None) -> str:
    """The async URL to use; a fresh SQLite file in a temporary directory when none is given."""
    if raw:
        return normalise_database_url(raw)
    directory = Path(tempfile.mkdtemp(prefix="firebell-bench-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)  # the file goes with the process
    return f"sqlite+aiosqlite:///{directory / 'firebell.db'}"


async def fresh_database(url: str) -> AsyncEngine:
    """An engine on an empty, migrated database (PostgreSQL: schema public dropped and recreated)."""
    if url.startswith("postgresql"):
        await reset_postgres(url)
    engine = create_engine(url)
    await upgrade_database(engine)
    return engine


class Backlog:
    """Read-only counts from the database Firebell is running on: its work still owed, its incidents."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, timeout=10.0)

    async def close(self) -> None:
        await self.engine.dispose()

    async def count(self, statement: Any) -> int:
        async with self.engine.connect() as connection:
            return int(await connection.scalar(statement) or 0)

    async def owed(self) -> int:
        """Deliveries due now that are not sent yet (pending or being sent)."""
        return await self.count(select(func.count()).select_from(Delivery).where(
            Delivery.state.in_((PENDING, SENDING)), Delivery.next_attempt_at <= datetime.now(UTC)))

    async def incidents(self) -> int:
        return await self.count(select(func.count()).select_from(Incident))

    async def timeline_entries(self) -> int:
        return await self.count(select(func.count()).select_from(TimelineEntry))


# --- the command line of a single diagnostic (tick_cost) --------------------------------------------------


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", default=None, help=DATABASE_HELP)
    parser.add_argument("--json-out", default=None, help="also write the figures as JSON to this file")


def main_for(
    parse_args: Callable[[list[str] | None], argparse.Namespace],
    run: Callable[[argparse.Namespace], Awaitable[dict[str, Any]]],
    argv: list[str] | None = None,
) -> int:
    """Parse, run, write the JSON figures if asked; exit 0 only when the target was met."""
    args = parse_args(argv)
    results = asyncio.run(run(args))
    write_json(args.json_out, results)
    return 0 if results["pass"] else 1
