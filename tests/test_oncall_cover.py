"""`/oncall cover` over HTTP: the request is posted with an "I'll take it" button; the first member of the
rotation who presses it gets the override, and nobody else can take it after."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.slack import ids
from tests.conftest import Harness, MutableClock

SEOUL = ZoneInfo("Asia/Seoul")
COVER_POLICY = """
timezone: Asia/Seoul
severities: [{id: P2, name: {en: Minor, ko: 경미}, ack_within: 1h, resolve_within: 1d}]
channels: {ops: COPS}
rotations:
  l1:
    layers: [{members: [UALICE, UBOB, UCAROL], shift: 1d, handoff_time: "09:00", start: 2026-03-02}]
"""


def take_button(app: Harness) -> tuple[str, str]:
    message = next(m for m in reversed(app.slack.posts_in("COPS")) if "asks someone to cover" in (m.text or ""))
    button = next(e for b in message.blocks or [] if b["type"] == "actions" for e in b["elements"])
    return button["value"], message.ts


async def who_is_on(app: Harness) -> str:
    return await app.answer(await app.command("l1 1", command="/oncall"))


async def test_first_member_to_press_gets_the_shift(make_harness: Any) -> None:
    app = await make_harness(policy=COVER_POLICY,
                             clock=MutableClock(datetime(2026, 3, 2, 10, 0, tzinfo=SEOUL).astimezone(UTC)))
    # Alice is on call today (the rotation's first member); she asks for tonight 18:00 → tomorrow 09:00.
    answer = await app.answer(await app.command("cover 18:00 2026-03-03T09:00", command="/oncall",
                                                channel="COPS"))
    assert "first member" in answer
    value, ts = take_button(app)
    assert json.loads(value)["r"] == "l1"
    mine = app.action_payload(ids.ONCALL_COVER_TAKE, value, user="UALICE", channel="COPS", message_ts=ts)
    await app.send_payload(mine)
    assert "someone else has to take it" in app.last_response()
    outsider = app.action_payload(ids.ONCALL_COVER_TAKE, value, user="UZED", channel="COPS", message_ts=ts)
    await app.send_payload(outsider)
    assert "UZED" in app.last_response() and "l1" in app.last_response()
    await app.send_payload(app.action_payload(ids.ONCALL_COVER_TAKE, value, user="UBOB", channel="COPS",
                                              message_ts=ts))
    assert any("<@UBOB> covers <@UALICE>'s *l1* shift" in (m.text or "") for m in app.slack.posts_in("COPS"))
    await app.send_payload(app.action_payload(ids.ONCALL_COVER_TAKE, value, user="UCAROL", channel="COPS",
                                              message_ts=ts))
    assert "<@UBOB> already took this l1 shift" in app.last_response()
    app.clock.current = datetime(2026, 3, 2, 20, 0, tzinfo=SEOUL).astimezone(UTC)
    assert "<@UBOB>" in (await app.answer(await app.command("", command="/oncall"))).split("next handoff")[0]


async def test_cover_requests_that_make_no_sense_are_refused(make_harness: Any) -> None:
    app = await make_harness(policy=COVER_POLICY,
                             clock=MutableClock(datetime(2026, 3, 2, 10, 0, tzinfo=SEOUL).astimezone(UTC)))
    assert "from when to when" in await app.answer(await app.command("cover 18:00", command="/oncall"))
    assert "Name the rotation" in await app.answer(await app.command("cover 18:00 20:00", command="/oncall",
                                                                     user="UZED"))
    wrong = await app.answer(await app.command("대신 l1 2026-03-03T09:00 2026-03-02T18:00", command="/oncall"))
    assert "must end after it starts" in wrong
    assert "at most" in await app.answer(await app.command("cover l1 18:00 2026-03-20T09:00", command="/oncall"))
