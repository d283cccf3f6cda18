"""Shared helpers: the database to benchmark on, percentiles, result files."""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import math
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.settings import normalise_database_url
from storage.db import create_engine, upgrade_database

PG_EXAMPLE = "postgresql://postgres@127.0.0.1:5432/test"

DATABASE_HELP = (
    "database to benchmark on (default: a fresh SQLite file in a new temporary directory). "
    f"PostgreSQL works too, e.g. {PG_EXAMPLE}: WARNING, its schema `public` is DROPPED and recreated "
    "first (as tests/conftest.py does), so never point this at a database you care about, or at one a "
    "test run is using at the same time."
)


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", default=None, help=DATABASE_HELP)
    parser.add_argument("--json-out", default=None, help="also write the figures as JSON to this file")


def resolve_database_url(raw: str | None) -> str:
    """The async URL to use; a fresh SQLite file in a temporary directory when none is given."""
    if raw:
        return normalise_database_url(raw)
    directory = Path(tempfile.mkdtemp(prefix="firebell-bench-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)  # the file goes with the process
    return f"sqlite+aiosqlite:///{directory / 'firebell.db'}"


def describe_url(url: str) -> str:
    """The URL without a password, for printing."""
    scheme, _, rest = url.partition("://")
    if "@" in rest:
        credentials, _, host = rest.rpartition("@")
        user = credentials.split(":", 1)[0]
        rest = f"{user}@{host}"
    return f"{scheme}://{rest}"


async def reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


async def fresh_database(url: str) -> AsyncEngine:
    """An engine on an empty, migrated database (PostgreSQL: schema public dropped and recreated)."""
    if url.startswith("postgresql"):
        await reset_postgres(url)
    engine = create_engine(url)
    await upgrade_database(engine)
    return engine


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def write_json(path: str | None, results: dict[str, Any]) -> None:
    if path:
        Path(path).write_text(json.dumps(results, indent=2, default=str))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


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
