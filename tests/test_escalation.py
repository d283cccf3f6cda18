"""Escalation through durable timers, with a hand-moved clock and a tiny policy (tests/conftest.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.slack import ids
from storage.models import Page, ScheduledJob, TimelineEntry
from tests.conftest import Harness


async def pages(app: Harness) -> list[Page]:
    async with app.firebell.services.sessions() as session:
        return list((await session.execute(select(Page).order_by(Page.id))).scalars())


async def jobs(app: Harness) -> list[ScheduledJob]:
    async with app.firebell.services.sessions() as session:
        return list((await session.execute(select(ScheduledJob).order_by(ScheduledJob.id))).scalars())


def dm_texts(app: Harness, user: str) -> list[str]:
    return [m.text or "" for m in app.slack.dms_to(user)]


async def test_unacknowledged_incident_pages_tier_after_tier(app: Harness) -> None:
    await app.command("declare P1 Payments failing")  # P1: ack within 2m; tiers wait 1m, 2m
    assert await app.tick(seconds=119) == 0
    assert not app.slack.dms_to("UONCALL1")
    assert await app.tick(seconds=1) == 1
    page = app.slack.dms_to("UONCALL1")
    assert len(page) == 1 and "Not acknowledged within 2 min" in (page[0].text or "")
    buttons = [e["action_id"] for b in page[0].blocks or [] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == [ids.ACK, ids.OPEN_CHANNEL]
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    assert any("<@UONCALL1>" in (m.text or "") and "Paging L1 on-call" in (m.text or "")
               for m in app.slack.posts_in(channel["id"]))
    await app.tick(seconds=60)  # tier 2: a user group, expanded to its members
    assert app.slack.dms_to("ULEAD1") and app.slack.dms_to("ULEAD2")
    assert "<@UONCALL1>" in str(app.slack.dms_to("ULEAD1")[0].blocks), "shows who was paged already"
    await app.tick(seconds=120)
    assert app.slack.dms_to("UCTO")
    assert await app.tick(minutes=30) >= 0
    assert len(app.slack.dms_to("UONCALL1")) == 1, "no repeat configured, nobody paged twice"


async def test_acknowledge_cancels_pending_tiers(app: Harness) -> None:
    await app.command("declare P1 Search down")
    await app.tick(seconds=120)
    assert len(app.slack.dms_to("UONCALL1")) == 1
    await app.click(ids.ACK, "1", user="UONCALL1")
    await app.tick(minutes=30)
    assert not app.slack.dms_to("ULEAD1")
    assert {j.state for j in await jobs(app) if j.kind == "escalate"} <= {"done", "cancelled"}


async def test_status_shows_what_is_scheduled(app: Harness) -> None:
    await app.command("declare P1 Status check")
    await app.command("status 1")
    text = str(app.slack.responses[-1]["blocks"])
    assert "page L1 on-call" in text and "resolve target" in text and "update reminder" in text


async def test_escalate_command_and_button_page_the_next_tier_now(app: Harness) -> None:
    await app.command("declare P1 Manual escalation")
    await app.command("escalate 1 customers are calling")
    assert app.slack.dms_to("UONCALL1")
    assert "customers are calling" in (app.slack.dms_to("UONCALL1")[0].text or "")
    assert app.last_response().startswith("Incident #1 escalated: <@UONCALL1>")
    await app.click(ids.ESCALATE, "1", user="UBOB")
    assert app.slack.dms_to("ULEAD1"), "the button pages tier 2"
    # The pending timer now points at tier 3, one tier wait (2m) later.
    pending = [j for j in await jobs(app) if j.kind == "escalate" and j.state == "pending"]
    assert len(pending) == 1 and pending[0].payload["tier"] == 2


async def test_failed_dms_are_recorded_and_the_commander_told(make_harness: Any) -> None:
    policy = """
timezone: Asia/Seoul
severities:
  - {id: P1, name: {en: Major, ko: 중대}, ack_within: 1m, resolve_within: 1h, escalation: main}
escalation_policies:
  main:
    tiers:
      - {name: L1, users: [UGONE, UBOT2, UONCALL1], usergroups: [SMISSING], wait: 5m}
"""
    app = await make_harness(policy=policy)
    await app.command("declare P1 Broken pager", user="UCMDR")
    await app.tick(minutes=1)
    assert app.slack.dms_to("UONCALL1"), "the next target is still paged"
    failed = {(p.target, p.reason) for p in await pages(app) if p.status == "failed"}
    assert failed == {("UGONE", "user_not_found"), ("UBOT2", "cannot_dm_bot"), ("SMISSING", "no_such_subteam")}
    told = dm_texts(app, "UCMDR")
    assert any("UGONE (user_not_found)" in t and "no_such_subteam" in t for t in told)
    async with app.firebell.services.sessions() as session:
        kinds = list((await session.execute(select(TimelineEntry.kind))).scalars())
    assert kinds.count("page_failed") == 3 and kinds.count("paged") >= 1


async def test_resolve_target_breach_warns_and_tells_managers(app: Harness) -> None:
    await app.command("declare P1 Slow burn")
    await app.command("ack 1")
    await app.tick(minutes=30)
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    assert any("missed its resolve target of 30 min" in (m.text or "") for m in app.slack.posts_in(channel["id"]))
    assert app.slack.dms_to("UMANAGER")
    await app.tick(minutes=30)
    assert len(app.slack.dms_to("UMANAGER")) == 1


async def test_update_nudge_reminds_the_commander(app: Harness) -> None:
    await app.command("declare P1 Quiet incident", user="UCMDR")
    await app.command("ack 1", user="UCMDR")
    await app.tick(minutes=10)
    assert any("no status update for 10 min" in t for t in dm_texts(app, "UCMDR"))
    await app.command("update 1 still digging", user="UCMDR")
    await app.tick(minutes=5)
    await app.tick(minutes=4)
    assert len([t for t in dm_texts(app, "UCMDR") if "no status update" in t]) == 1, "recent update: no nudge"
    await app.tick(minutes=2)
    assert len([t for t in dm_texts(app, "UCMDR") if "no status update" in t]) == 2


async def test_p0_declare_dms_the_leads_at_once(app: Harness) -> None:
    await app.command("declare P0 Total outage")
    assert any("New P0 Critical incident." in t for t in dm_texts(app, "ULEAD1"))


async def test_resolve_cancels_everything(app: Harness) -> None:
    await app.command("declare P0 Short one")
    await app.command("resolve 1")
    await app.tick(hours=2)
    assert not app.slack.dms_to("UONCALL1") and not app.slack.dms_to("UMANAGER")


async def test_restart_mid_escalation_fires_the_rest_once(make_harness: Any) -> None:
    first = await make_harness()
    await first.command("declare P1 Survives restarts")
    await first.tick(minutes=2)
    assert len(first.slack.dms_to("UONCALL1")) == 1
    clock = first.clock
    await first.close()

    second = await make_harness(clock=clock)
    await second.tick(minutes=1)
    assert second.slack.dms_to("ULEAD1")
    await second.tick(minutes=2)
    assert second.slack.dms_to("UCTO")
    assert len(second.slack.dms_to("UONCALL1")) == 1, "tier 1 did not repeat after the restart"


async def test_timers_due_while_down_fire_once_marked_late(make_harness: Any) -> None:
    first = await make_harness()
    await first.command("declare P1 Down during the page")
    clock = first.clock
    await first.close()
    clock.advance(minutes=30)  # the bot was down for half an hour
    second = await make_harness(clock=clock)
    await second.tick()
    page = second.slack.dms_to("UONCALL1")
    assert len(page) == 1
    assert "late" in str(page[0].blocks) and "Firebell was not running" in str(page[0].blocks)
    await second.tick()
    assert len(second.slack.dms_to("UONCALL1")) == 1


async def test_permissions_are_enforced_in_the_service(make_harness: Any) -> None:
    policy = """
timezone: Asia/Seoul
severities:
  - {id: P1, name: {en: Major, ko: 중대}, ack_within: 1m, resolve_within: 1h}
permissions:
  resolve: [UBOSS, SLEADS]
  declare: [UALICE]
"""
    app = await make_harness(policy=policy)
    await app.command("declare P1 Allowed", user="UALICE")
    await app.command("declare P1 Not allowed", user="UMALLORY")
    assert app.last_response() == "You may not declare incidents: the policy allows only <@UALICE>."
    await app.command("resolve 1", user="UALICE")
    assert app.last_response() == "You may not resolve incidents: the policy allows only <@UBOSS>, <!subteam^SLEADS>."
    await app.click(ids.RESOLVE, "1", user="UMALLORY")
    assert app.last_response().startswith("You may not resolve incidents")
    await app.command("resolve 1", user="ULEAD2")  # a member of SLEADS
    assert app.last_response() == "Incident #1 resolved."
