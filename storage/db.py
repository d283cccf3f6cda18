"""Engine, sessions and schema migrations."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

T = TypeVar("T")

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant works; it only has to be the same in every Firebell process.
_MIGRATION_LOCK_ID = 0x46697265


def create_engine(url: str, *, timeout: float = 2.0) -> AsyncEngine:
    """An engine whose every wait is bounded by `timeout` seconds: connecting, taking a pooled
    connection, a lock, a statement. A database that refuses or stalls gives an error quickly
    instead of a request that hangs."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": timeout})
        busy_ms = int(timeout * 1000)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            # WAL lets the health check and readers run while a writer holds the lock.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.close()

        return engine
    statement_timeout = max(timeout * 2.5, 5.0)
    return create_async_engine(
        # Request workers, timer handlers and deliveries (8 each) fit without waiting on each other.
        url, pool_size=16, max_overflow=14, pool_pre_ping=True, pool_timeout=timeout,
        connect_args={
            "timeout": timeout,  # establishing the connection
            "command_timeout": statement_timeout,  # a statement whose answer never comes (dropped packets)
            "server_settings": {"statement_timeout": str(int(statement_timeout * 1000))},
        },
    )


class Sessions(async_sessionmaker[AsyncSession]):
    """Sessions for units of work: `sessions()` to read, `sessions.begin()` for a transaction.

    On SQLite, transactions in this process take turns on an asyncio lock: SQLite has one writer at a
    time, and many connections polling its file lock (busy_timeout) are slower and less fair than a queue.
    Reads run beside them (WAL). Waiting for the turn is bounded like every other database wait.
    """

    def __init__(self, engine: AsyncEngine, *, turn_timeout: float = 5.0) -> None:
        super().__init__(engine, expire_on_commit=False)
        self._one_writer = asyncio.Lock() if engine.dialect.name == "sqlite" else None
        self.turn_timeout = turn_timeout

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:  # type: ignore[override]
        if self._one_writer is None:
            async with super().begin() as session:
                yield session
            return
        try:
            await asyncio.wait_for(self._one_writer.acquire(), self.turn_timeout)
        except TimeoutError:
            raise TimeoutError(f"no turn to write to the database within {self.turn_timeout} s") from None
        try:
            async with super().begin() as session:
                yield session
        finally:
            self._one_writer.release()


def create_session_factory(engine: AsyncEngine, *, timeout: float = 2.0) -> Sessions:
    return Sessions(engine, turn_timeout=max(5.0, timeout * 2.5))


@contextlib.asynccontextmanager
async def unit_of_work(
    sessions: async_sessionmaker[AsyncSession], session: AsyncSession | None = None
) -> AsyncIterator[AsyncSession]:
    """The caller's unit of work when it has one, else a transaction of its own."""
    if session is not None:
        yield session
        return
    async with sessions.begin() as own:
        yield own


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        # Several processes may start together; one migrates, the others wait and find it done.
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
    command.upgrade(alembic_config(connection), revision)


async def upgrade_database(engine: AsyncEngine, revision: str = "head") -> None:
    # Migrations (and waiting for another process's) may take longer than a request may wait.
    patient = create_engine(engine.url.render_as_string(hide_password=False), timeout=60)
    try:
        async with patient.begin() as connection:
            await connection.run_sync(_upgrade, revision)
    finally:
        await patient.dispose()


_abandoned: set[asyncio.Task[Any]] = set()


async def within(work: Awaitable[T], timeout: float) -> T:
    """`work`'s result, or TimeoutError after `timeout` seconds without waiting for it to wind down:
    a stalled connection can take seconds to give up even after it is cancelled."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=timeout)
    if not done:
        task.cancel()
        _abandoned.add(task)  # keep a reference until it has finished cancelling
        task.add_done_callback(_abandoned.discard)
        raise TimeoutError(f"no answer from the database within {timeout} s")
    return task.result()


async def ping(engine: AsyncEngine, *, timeout: float = 1.0) -> bool:
    """True when the database answers within `timeout` seconds (the health check)."""
    async def select_one() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    try:
        await within(select_one(), timeout)
        return True
    except Exception:
        return False
