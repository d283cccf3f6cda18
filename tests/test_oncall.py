"""/oncall over HTTP, escalation to rotations, handoffs through durable timers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from storage.models import Page
from tests.conftest import Harness, MutableClock

SEOUL = ZoneInfo("Asia/Seoul")

ONCALL_POLICY = """
timezone: Asia/Seoul
severities:
  - {id: P1, name: {en: Major, ko: 중대}, ack_within: 5m, resolve_within: 4h, escalation: main}
  - {id: P2, name: {en: Minor, ko: 경미}, ack_within: 5m, resolve_within: 4h, escalation: nights}
escalation_policies:
  main:
    tiers:
      - {name: L1, rotations: [l1], wait: 10m}
      - {name: L2, users: [UTECHLEAD], wait: 10m}
  nights:
    tiers:
      - {name: Night desk, rotations: [nightdesk], wait: 10m}
      - {name: L2, users: [UTECHLEAD], wait: 10m}
rotations:
  l1:
    usergroup: SONCALL
    override_limit: 2d
    layers:
      - {name: day, members: [UKIM, ULEE, UPARK], shift: 1d, handoff_time: "09:00", start: 2026-01-05}
  nightdesk:
    layers:
      - {members: [UNIGHT], shift: 1d, handoff_time: "18:00", hours: "18:00-09:00"}
channels:
  ops: COPS
permissions:
  override: [UKIM, ULEE, UPARK, UBOSS]
"""


def seoul(*args: int) -> datetime:
    return datetime(*args, tzinfo=SEOUL).astimezone(UTC)  # type: ignore[misc]


async def oncall_app(make_harness: Any, when: datetime, **kwargs: Any) -> Harness:
    app = await make_harness(policy=ONCALL_POLICY, clock=MutableClock(when), **kwargs)
    app.slack.usergroups["SONCALL"] = ["USOMEONE"]
    return app


async def test_who_is_on_call_and_schedules(make_harness: Any) -> None:
    # 2026-01-05 is the start: UKIM's shift, then ULEE from 2026-01-06 09:00.
    app = await oncall_app(make_harness, seoul(2026, 1, 5, 12, 0))
    await app.command("", command="/oncall")
    text = app.last_response()
    assert "*l1*: <@UKIM>" in text and "<@ULEE>" in text
    assert "*nightdesk*: nobody" in text, "a gap is shown as nobody"
    await app.command("l1 3", command="/oncall")
    schedule = app.last_response()
    assert schedule.count("• ") == 4 and schedule.index("UKIM") < schedule.index("ULEE") < schedule.index("UPARK")
    await app.command("me", command="/oncall", user="ULEE")
    assert "*l1*" in app.last_response()
    response = await app.command("help", command="/oncall")
    assert "/oncall override" in (await response.json())["text"]


async def test_override_lifecycle_and_bad_input(make_harness: Any) -> None:
    app = await oncall_app(make_harness, seoul(2026, 1, 5, 12, 0))
    await app.command("override l1 <@UPARK> 3h", command="/oncall", user="UKIM")
    assert app.last_response().startswith("Override #1: <@UPARK> covers *l1*")
    await app.command("", command="/oncall")
    assert "*l1*: <@UPARK>" in app.last_response()
    cases = {
        "override nope <@UPARK> 1h": "There is no rotation `nope`. Rotations: l1, nightdesk.",
        "override l1 <@UOTHER> 1h": "<@UOTHER> is not a member of rotation *l1*.",
        "override l1 <@UPARK> 5d": "Overrides may last at most 2 d 0 h in this rotation.",
        "override l1 <@UPARK> until 2026-01-04 09:00": "That override would end in the past",
        "override l1 <@UPARK> whenever": "`whenever` is not a duration or time.",
        "override l1 <@ULEE> 1h": "It overlaps override #1",
        "override l1 bob 1h": "`bob` is not a user mention.",
        "override remove 99": "There is no active override #99.",
        "l1 90": "`90` is not a number of days from 1 to 31.",
    }
    for text, expected in cases.items():
        response = await app.command(text, command="/oncall", user="UKIM")
        assert response.status == 200
        answer = await app.answer(response)
        assert answer.startswith(expected), (text, answer)
    await app.command("override l1 <@UPARK> 1h", command="/oncall", user="UMALLORY")
    assert app.last_response().startswith("You may not change on-call schedules")
    await app.command("overrides l1", command="/oncall")
    assert "#1 <@UPARK>" in app.last_response()
    await app.command("override remove 1", command="/oncall", user="UKIM")
    assert app.last_response() == "Override #1 removed."
    await app.command("", command="/oncall")
    assert "*l1*: <@UKIM>" in app.last_response()


async def test_swap_trades_next_shifts(make_harness: Any) -> None:
    app = await oncall_app(make_harness, seoul(2026, 1, 5, 12, 0))
    await app.command("swap l1 <@ULEE> <@UPARK>", command="/oncall", user="ULEE")
    assert app.last_response().startswith("Swapped in *l1*")
    app.clock.current = seoul(2026, 1, 6, 10, 0)
    await app.command("", command="/oncall")
    assert "*l1*: <@UPARK>" in app.last_response()
    app.clock.current = seoul(2026, 1, 7, 10, 0)
    await app.command("", command="/oncall")
    assert "*l1*: <@ULEE>" in app.last_response()


async def test_escalation_pages_whoever_is_on_call_then(make_harness: Any) -> None:
    app = await oncall_app(make_harness, seoul(2026, 1, 5, 12, 0))
    await app.command("override l1 <@UPARK> 2h", command="/oncall", user="UKIM")
    await app.command("declare P1 Rotation paging")
    await app.tick(minutes=5)
    def pages_to(user: str) -> list[str]:
        return [m.text or "" for m in app.slack.dms_to(user) if (m.text or "").startswith("Page:")]

    assert pages_to("UPARK") and not pages_to("UKIM"), "the override is paged, not the schedule"
    assert any("handoff: <@UKIM> → <@UPARK>" in (m.text or "") for m in app.slack.dms_to("UKIM")), (
        "the override's start is a handoff too")


async def test_nobody_on_call_fails_the_page_and_pages_the_next_tier_at_once(make_harness: Any) -> None:
    app = await oncall_app(make_harness, seoul(2026, 1, 5, 12, 0))  # the night desk is empty at noon
    await app.command("declare P2 Gap in the rotation", user="UCMDR")
    await app.tick(minutes=5)
    async with app.firebell.services.sessions() as session:
        failed = list((await session.execute(select(Page).where(Page.status == "failed"))).scalars())
    assert [(p.target, p.reason) for p in failed] == [("nightdesk", "nobody_on_call")]
    assert any("nightdesk (nobody_on_call)" in (m.text or "") for m in app.slack.dms_to("UCMDR"))
    await app.tick()
    assert app.slack.dms_to("UTECHLEAD"), "tier 2 was due at once, not after the 10-minute wait"


async def test_handoff_fires_once_across_a_restart(make_harness: Any) -> None:
    clock = MutableClock(seoul(2026, 1, 5, 8, 0))
    first = await make_harness(policy=ONCALL_POLICY, clock=clock)
    first.slack.usergroups["SONCALL"] = ["USOMEONE"]
    await first.command("declare P1 Open at handoff", user="UCMDR")
    await first.command("ack 1", user="UCMDR")
    await first.close()

    clock.current = seoul(2026, 1, 6, 9, 0, 5)  # past the 09:00 handoff while down
    second = await make_harness(policy=ONCALL_POLICY, clock=clock)
    await second.tick()
    await second.tick()
    to_kim, to_lee = second.slack.dms_to("UKIM"), second.slack.dms_to("ULEE")
    assert len(to_kim) == 1 and len(to_lee) == 1
    summary = to_lee[0].text or ""
    assert "*l1* handoff: <@UKIM> → <@ULEE>" in summary and "Open at handoff" in summary
    ops = [m for m in second.slack.posts_in("COPS") if "*l1* handoff" in (m.text or "")]
    assert len(ops) == 1
    assert second.slack.usergroups["SONCALL"] == ["ULEE"], "the rotation's user group follows the handoff"
    clock.current = seoul(2026, 1, 7, 9, 0, 5)
    await second.tick()
    assert len(second.slack.dms_to("UPARK")) == 1, "the next handoff was scheduled by the previous one"
