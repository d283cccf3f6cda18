"""The App Home: open incidents by severity, on call now and next, my action items, checklist items and
pages, the latest report; validated by the stand-in with slack_sdk.models; refreshed when opened and,
coalesced through the outbox, when the viewer's action items change; its two buttons."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.views import View

from bot.slack.standin.api import validate_view
from tests.conftest import TEST_POLICY, AppFactory, Harness, MutableClock

POLICY = TEST_POLICY.replace(
    "update_every: 10m, broadcast: here, escalation: fast}",
    "update_every: 10m, broadcast: here, escalation: fast, checklist: p1_playbook}",
) + """
checklists:
  p1_playbook:
    title: P1 playbook
    items:
      - {text: Confirm the impact, owner: commander}
      - {text: Tell customers, owner: comms}
rotations:
  l1:
    layers:
      - {members: [UONCALL1, UONCALL2], shift: 1d, handoff_time: "09:00"}
"""
START = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 10:00 in Seoul


def home_text(app: Harness, user: str) -> str:
    view = app.slack.home_views[user]
    validate_view(view)
    assert View(**view).type == "home"
    return str(view["blocks"])


async def open_home(app: Harness, user: str) -> str:
    await app.event({"type": "app_home_opened", "user": user, "channel": "D0001", "tab": "home",
                     "event_ts": "1700000000.000100"})
    return home_text(app, user)


async def test_home_shows_what_the_viewer_needs(make_harness: AppFactory) -> None:
    app = await make_harness(policy=POLICY, clock=MutableClock(START))
    assert POLICY != TEST_POLICY
    await app.command("declare P1 Checkout is down")
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    await app.command("action add <@UALICE> 3d Add a checkout alert", channel=channel["id"])
    await app.tick(minutes=3)  # tier 1 pages UONCALL1
    text = await open_home(app, "UALICE")
    assert "*Open incidents* (1)" in text and "Checkout is down" in text
    assert "*not acknowledged*" in text and "commander <@UALICE>" in text
    assert "• l1: now <@UONCALL2>, next <@UONCALL1>" in text  # day shifts from 5 Jan, handoff 09:00
    assert "Add a checkout alert" in text
    assert "P1 playbook: Confirm the impact" in text and "Tell customers" not in text
    assert "No report yet." in text
    assert "apphome.declare" in text and "apphome.report" in text
    oncall = await open_home(app, "UONCALL1")
    assert "*My pages in the last 24 h*\\n• #1" in oncall


async def test_home_refreshed_through_outbox_when_my_items_change(make_harness: AppFactory) -> None:
    app = await make_harness(clock=MutableClock(START))
    await app.command("declare P2 Slow search")
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    assert "UBOB" not in app.slack.home_views
    await app.command("action add <@UBOB> 3d Tune the index", channel=channel["id"])
    await app.eventually(lambda: "UBOB" in app.slack.home_views)
    assert "Tune the index" in home_text(app, "UBOB")
    await app.command("action done 1", user="UBOB")
    await app.eventually(lambda: "Tune the index" not in home_text(app, "UBOB"))
    publishes = [c for c in app.slack.calls_to("views.publish") if c.get("user_id") == "UBOB"]
    assert len(publishes) == 2


async def test_buttons_open_the_declare_form_and_the_report(make_harness: AppFactory) -> None:
    app = await make_harness(clock=MutableClock(START))
    await app.click("apphome.declare", "declare")
    assert app.slack.views and app.slack.views[-1]["callback_id"] == "incident.declare"
    await app.click("apphome.report", "30d")
    report: dict[str, Any] = app.slack.views[-1]
    assert report["type"] == "modal" and "No incidents in this period" in str(report["blocks"])


async def test_korean_home(make_harness: AppFactory) -> None:
    app = await make_harness(locale="ko", clock=MutableClock(START))
    text = await open_home(app, "UALICE")
    assert "진행 중인 장애가 없습니다." in text and "장애 선언" in text


async def test_commanders_home_refreshed_when_their_incident_resolves(make_harness: AppFactory) -> None:
    app = await make_harness(clock=MutableClock(START))
    await app.command("declare P2 Slow search")
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    assert "Slow search" in await open_home(app, "UALICE")
    await app.command("resolve", channel=channel["id"])
    await app.eventually(lambda: "Slow search" not in home_text(app, "UALICE"))
    assert "*Open incidents* (0)" in home_text(app, "UALICE")
