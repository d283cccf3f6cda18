"""The database cut off (connections refused, then stalled): answers in time, nothing carried out late,
recovery by itself. A TCP proxy between Firebell and PostgreSQL does the cutting; SQLite is a local file
and cannot be cut off this way."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from storage.models import Incident
from tests.conftest import Harness
from tests.tcp_proxy import TcpProxy


@pytest.fixture
async def proxied(make_harness: Any, database_url: str) -> AsyncIterator[tuple[Harness, TcpProxy]]:
    if not database_url.startswith("postgresql"):
        pytest.skip("the database cut is tested through a TCP proxy to PostgreSQL; SQLite is a local file")
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    port = await proxy.start()
    through_proxy = url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    app = await make_harness(database_url=through_proxy, firebell_db_timeout_seconds=1.0)
    yield app, proxy
    proxy.set_mode("pass")
    await proxy.close()


async def incidents_titled(app: Harness, title: str) -> int:
    async with app.firebell.services.sessions() as session:
        return (await session.execute(
            select(func.count()).select_from(Incident).where(Incident.title == title))).scalar_one()


async def timed(coroutine: Any) -> tuple[Any, float]:
    started = time.monotonic()
    result = await coroutine
    return result, time.monotonic() - started


@pytest.mark.parametrize("mode", ["refuse", "stall"])
async def test_database_cut_answers_in_time_and_recovers(proxied: tuple[Harness, TcpProxy], mode: str) -> None:
    app, proxy = proxied
    await app.command("declare P2 Before the cut")
    assert await incidents_titled(app, "Before the cut") == 1

    proxy.set_mode(mode)  # type: ignore[arg-type]
    health, health_seconds = await timed(app.http.get(str(app.server.make_url("/healthz"))))
    assert health.status == 503
    assert health_seconds < 1.5

    started_cut = time.monotonic()
    response, ack_seconds = await timed(app.command("declare P2 During the cut", settle=False))
    assert response.status == 200
    assert ack_seconds < 1
    # Acknowledged at once (nothing before the ack touches the database); the answer follows.
    await app.eventually(lambda: "cannot reach its database" in app.last_response(), timeout=3)
    answered_seconds = time.monotonic() - started_cut
    assert answered_seconds < 4

    click, click_seconds = await timed(app.click("incident.ack", "1", settle=False))
    assert click.status == 200
    assert click_seconds < 3
    await app.eventually(lambda: "cannot reach its database" in app.last_response(), timeout=3)

    proxy.set_mode("pass")
    await app.settle()
    await app.eventually(lambda: True)
    # Back by itself: health, commands and timers work again, and what was refused never happens.
    deadline = time.monotonic() + 10
    while (await app.http.get(str(app.server.make_url("/healthz")))).status != 200:
        assert time.monotonic() < deadline, "health did not recover"
    response = await app.command("declare P2 After the cut")
    assert response.status == 200
    await app.tick(seconds=1)
    assert await incidents_titled(app, "After the cut") == 1
    assert await incidents_titled(app, "During the cut") == 0
