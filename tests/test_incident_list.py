"""`/incident list` filters over HTTP: status, severity, service, type, date range, text, and pages past 30."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update

from storage.models import Incident
from tests.conftest import MutableClock
from tests.test_incident_types import TYPES_POLICY

SEOUL = ZoneInfo("Asia/Seoul")


def numbers(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"#(\d+)", text)}


async def test_list_filters_and_pages(make_harness: Any) -> None:
    app = await make_harness(policy=TYPES_POLICY,
                             clock=MutableClock(datetime(2026, 3, 1, 10, 0, tzinfo=SEOUL).astimezone(UTC)))
    for n in range(1, 36):  # one incident a day, 1 March … 4 April (Seoul)
        severity = "P1" if n % 5 == 0 else "P2"
        title = f"결제 오류 {n}" if n % 7 == 0 else f"Search slow {n}"
        kind = "type:security " if n == 21 else ""
        await app.command(f"declare {kind}{severity} {title}")
        app.clock.advance(days=1)
    async with app.firebell.services.sessions.begin() as session:
        await session.execute(update(Incident).where(Incident.id.in_([3, 4])).values(service="api"))
    await app.command("resolve #2 fixed")

    first = await app.answer(await app.command("list all"))
    assert len(numbers(first)) == 30 and "page:2" in first
    assert numbers(await app.answer(await app.command("list all page:2"))) == {1, 2, 3, 4, 5}
    assert 2 not in numbers(await app.answer(await app.command("list page:2")))  # open ones only
    assert numbers(await app.answer(await app.command("list resolved"))) == {2}
    assert numbers(await app.answer(await app.command("list all P1"))) == {5, 10, 15, 20, 25, 30, 35}
    assert numbers(await app.answer(await app.command("list all service:API"))) == {3, 4}
    assert numbers(await app.answer(await app.command("list all text:결제"))) == {7, 14, 21, 28, 35}
    assert numbers(await app.answer(await app.command("list all type:security"))) == {21}
    assert numbers(await app.answer(await app.command("list all type:security", user="UBOB"))) == set()
    assert numbers(await app.answer(await app.command("list all from:2026-03-10 to:2026-03-12"))) == {10, 11, 12}
    assert numbers(await app.answer(await app.command("목록 전체 P1 부터:2026-03-10 검색:결제"))) == {35}
    wrong = await app.answer(await app.command("list from:March"))
    assert "`from:March` is not a filter" in wrong
