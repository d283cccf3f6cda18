"""Checklists, reminders and maintenance windows over HTTP, with a hand-moved clock."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.slack import ids
from storage.models import ChecklistEvent, ChecklistRun
from tests.conftest import Harness, MutableClock

SEOUL = ZoneInfo("Asia/Seoul")

OPS_POLICY = """
timezone: Asia/Seoul
severities:
  - {id: P0, name: {en: Critical, ko: 치명}, ack_within: 5m, resolve_within: 1h, checklist: playbook}
  - {id: P2, name: {en: Minor, ko: 경미}, ack_within: 1h, resolve_within: 1d}
channels: {ops: COPS}
checklists:
  playbook:
    title: P0 playbook
    items:
      - {text: Confirm the outage, owner: commander}
      - {text: Post a status page update, owner: comms}
      - {text: Write the post-mortem, required: false}
  morning:
    title: Morning check
    schedule: {cron: "0 9 * * 1-5", due_after: 1h}
    items:
      - {text: Night alerts reviewed, owner: UOWNER}
      - {text: Dashboards green}
      - {text: Backups completed}
  big:
    title: Monthly review
    items: [{text: "Item 1"}, {text: "Item 2"}, {text: "Item 3"}, {text: "Item 4"}, {text: "Item 5"},
            {text: "Item 6"}, {text: "Item 7"}, {text: "Item 8"}, {text: "Item 9"}, {text: "Item 10"},
            {text: "Item 11"}]
reminders:
  recovery: {cron: "0 10 * * sat#2", text: Monthly recovery test today}
maintenance:
  notice_before: 30m
  max_duration: 6h
  recurring:
    sunday: {title: Weekly maintenance, cron: "0 2 * * sun", duration: 4h, services: [db]}
"""


def seoul(*args: int) -> datetime:
    return datetime(*args, tzinfo=SEOUL).astimezone(UTC)  # type: ignore[misc]


async def ops_app(make_harness: Any, when: datetime) -> Harness:
    return await make_harness(policy=OPS_POLICY, clock=MutableClock(when))


async def runs_of(app: Harness, template: str) -> int:
    async with app.firebell.services.sessions() as session:
        rows = await session.execute(select(ChecklistRun).where(ChecklistRun.template == template))
        return len(rows.scalars().all())


def checklist_message(app: Harness, channel: str, title: str) -> Any:
    return next(m for m in app.slack.posts_in(channel) if m.blocks and title in str(m.blocks[0]))


def checkbox_payload(app: Harness, message: Any, select: set[int], user: str) -> dict[str, Any]:
    """What Slack sends when `user` changes the checkboxes of `message` as they saw it."""
    actions = next(b for b in message.blocks if b["type"] == "actions" and b["elements"][0]["type"] == "checkboxes")
    element = actions["elements"][0]
    payload = app.action_payload(ids.CHECKLIST_TOGGLE, "", user=user, channel=message.channel,
                                 message_ts=message.ts)
    payload["message"]["blocks"] = json.loads(json.dumps(message.blocks))
    payload["actions"] = [{
        "type": "checkboxes", "action_id": ids.CHECKLIST_TOGGLE, "block_id": actions["block_id"],
        "selected_options": [o for o in element["options"] if int(o["value"]) in select],
        "action_ts": "1700000000.1",
    }]
    return payload


async def test_scheduled_run_posts_checks_and_completes(make_harness: Any) -> None:
    # Friday 2026-01-09 08:00 in Seoul; the weekday 09:00 run is the next one.
    app = await ops_app(make_harness, seoul(2026, 1, 9, 8, 0))
    await app.tick(hours=1)
    assert await runs_of(app, "morning") == 1
    message = checklist_message(app, "COPS", "Morning check")
    assert "*0/3* done" in str(message.blocks)
    await app.send_payload(checkbox_payload(app, message, {0}, "UALICE"))
    message = checklist_message(app, "COPS", "Morning check")
    assert "*1/3* done" in str(message.blocks) and "<@UALICE>" in str(message.blocks)
    await app.send_payload(checkbox_payload(app, message, {0, 1, 2}, "UBOB"))
    message = checklist_message(app, "COPS", "Morning check")
    assert "*3/3* done" in str(message.blocks) and "completed by <@UBOB>" in str(message.blocks)
    assert any("*Morning check* completed by <@UBOB>" in (m.text or "") for m in app.slack.posts_in("COPS"))
    # The run has closed: a late click changes nothing and says so.
    await app.send_payload(checkbox_payload(app, message, {0, 1}, "UCAROL"))
    assert "is closed; nothing was changed" in app.last_response()
    # The next weekday run was scheduled: Monday 09:00 (not Saturday or Sunday).
    app.clock.current = seoul(2026, 1, 11, 23, 0)
    await app.tick()
    assert await runs_of(app, "morning") == 1
    app.clock.current = seoul(2026, 1, 12, 9, 0)
    await app.tick()
    assert await runs_of(app, "morning") == 2


async def test_two_people_checking_at_the_same_moment_both_count(make_harness: Any) -> None:
    app = await ops_app(make_harness, seoul(2026, 1, 9, 9, 0))
    await app.command("start morning", command="/checklist")
    message = checklist_message(app, "COPS", "Morning check")
    # Both saw the same empty message and click different items at once.
    first = checkbox_payload(app, message, {0}, "UALICE")
    second = checkbox_payload(app, message, {2}, "UBOB")
    await asyncio.gather(app.send_payload(first, settle=False), app.send_payload(second, settle=False))
    await app.settle()
    view = await app.firebell.services.checklists.view(1)
    assert {(s.item_index, s.state, s.by) for s in view.states} == {
        (0, "done", "UALICE"), (1, "open", None), (2, "done", "UBOB")}
    final = checklist_message(app, "COPS", "Morning check")
    assert "*2/3* done" in str(final.blocks)
    checked = {o["value"] for b in final.blocks if b["type"] == "actions"
               for e in b["elements"] if e["type"] == "checkboxes" for o in e.get("initial_options", [])}
    assert checked == {"0", "2"}


async def test_unchecking_and_not_applicable(make_harness: Any) -> None:
    app = await ops_app(make_harness, seoul(2026, 1, 9, 9, 0))
    await app.command("start morning", command="/checklist")
    message = checklist_message(app, "COPS", "Morning check")
    await app.send_payload(checkbox_payload(app, message, {1}, "UALICE"))
    message = checklist_message(app, "COPS", "Morning check")
    await app.send_payload(checkbox_payload(app, message, set(), "UALICE"))
    view = await app.firebell.services.checklists.view(1)
    assert view.states[1].state == "open"
    await app.click(ids.CHECKLIST_NA, "1", channel="COPS")
    modal = app.slack.views[-1]
    assert modal["callback_id"] == ids.CHECKLIST_NA_VIEW
    values = {
        ids.CHECKLIST_NA_ITEM_BLOCK: {ids.CHECKLIST_NA_ITEM_ACTION: {"type": "static_select",
                                                                     "selected_option": {"value": "2"}}},
        ids.CHECKLIST_NA_REASON_BLOCK: {ids.CHECKLIST_NA_REASON_ACTION: {"type": "plain_text_input",
                                                                         "value": "no backup on holidays"}},
    }
    await app.send_payload(app.view_payload(modal, values, user="UBOB"))
    view = await app.firebell.services.checklists.view(1)
    assert (view.states[2].state, view.states[2].reason) == ("na", "no backup on holidays")
    assert "N/A (<@UBOB>): no backup on holidays" in str(checklist_message(app, "COPS", "Morning check").blocks)
    async with app.firebell.services.sessions() as session:
        actions = [e.action for e in (await session.execute(select(ChecklistEvent))).scalars()]
    assert actions == ["started", "done", "undone", "na"]


async def test_more_than_ten_items_use_buttons(make_harness: Any) -> None:
    app = await ops_app(make_harness, seoul(2026, 1, 9, 9, 0))
    await app.command("start big", command="/checklist", channel="COPS")
    message = checklist_message(app, "COPS", "Monthly review")
    buttons = [b["accessory"] for b in message.blocks if b["type"] == "section" and "accessory" in b]
    assert len(buttons) == 11
    await app.click(buttons[10]["action_id"], buttons[10]["value"], channel="COPS")
    view = await app.firebell.services.checklists.view(1)
    assert view.states[10].state == "done"
    # The same click again (a retry, or a stale message) is harmless.
    await app.click(buttons[10]["action_id"], buttons[10]["value"], channel="COPS")
    assert (await app.firebell.services.checklists.view(1)).finished == 1


async def test_overdue_run_reminds_channel_and_owners(make_harness: Any) -> None:
    app = await ops_app(make_harness, seoul(2026, 1, 9, 8, 59))
    await app.tick(minutes=1)
    await app.tick(hours=1)
    assert any("*Morning check* is overdue: 0/3 done" in (m.text or "") for m in app.slack.posts_in("COPS"))
    assert any("Night alerts reviewed" in (m.text or "") for m in app.slack.dms_to("UOWNER"))


async def test_incident_checklist_attaches_with_the_commander_as_owner(make_harness: Any) -> None:
    app = await ops_app(make_harness, seoul(2026, 1, 9, 9, 0))
    await app.command("declare P0 Everything down", user="UCMDR")
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    message = checklist_message(app, channel["id"], "P0 playbook")
    assert "Confirm the outage (<@UCMDR>)" in str(message.blocks)
    async with app.firebell.services.sessions() as session:
        run = (await session.execute(select(ChecklistRun))).scalar_one()
    assert run.incident_id == 1
    await app.command("declare P2 No checklist")
    async with app.firebell.services.sessions() as session:
        assert len((await session.execute(select(ChecklistRun))).scalars().all()) == 1


async def test_checklist_commands_and_bad_input(make_harness: Any) -> None:
    app = await ops_app(make_harness, seoul(2026, 1, 9, 9, 0))
    await app.command("", command="/checklist")
    overview = app.last_response()
    assert "`morning` — Morning check (3 items)" in overview and "No runs today." in overview
    await app.command("start morning", command="/checklist")
    assert app.last_response().startswith("Started *Morning check*: run #1 <#COPS>")
    await app.command("status", command="/checklist")
    assert "Night alerts reviewed" in app.last_response()
    await app.command("history morning 3", command="/checklist")
    assert "#1 started" in app.last_response()
    cases = {
        "start nope": "There is no checklist `nope`.",
        "history morning 99": "`99` is not a number from 1 to 20.",
        "frobnicate": "I don't know `frobnicate`.",
    }
    for text, expected in cases.items():
        response = await app.command(text, command="/checklist")
        assert (await app.answer(response)).startswith(expected), text


async def test_one_off_reminder_in_an_incident(make_harness: Any) -> None:
    app = await ops_app(make_harness, seoul(2026, 1, 9, 9, 0))
    await app.command("declare P2 Reminder test")
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    await app.command("remind 30m check the error rate again", channel=channel["id"])
    assert app.last_response().startswith("Reminder #")
    await app.command("status", channel=channel["id"])
    assert "check the error rate again" in str(app.slack.responses[-1]["blocks"])
    await app.command("remind tomorrow 09:00 write the post-mortem", channel=channel["id"])
    reminder_id = int(app.last_response().split("#")[1].split()[0])
    await app.command(f"remind cancel {reminder_id}", channel=channel["id"])
    assert app.last_response() == f"Reminder #{reminder_id} cancelled."
    await app.command(f"remind cancel {reminder_id}", channel=channel["id"])
    assert "has no pending reminder" in app.last_response()
    await app.command("remind whenever do it", channel=channel["id"])
    assert app.last_response().startswith("`whenever` is not a time.")
    await app.command("remind 30m anything")  # not in an incident channel
    assert "name the incident by number" in app.last_response()
    await app.tick(minutes=30)
    assert any("Reminder from <@UALICE>: check the error rate again" in (m.text or "")
               for m in app.slack.posts_in(channel["id"]))
    await app.tick(days=1)
    assert not any("write the post-mortem" in (m.text or "") for m in app.slack.posts_in(channel["id"]))


async def test_recurring_reminder_second_saturday(make_harness: Any) -> None:
    app = await ops_app(make_harness, seoul(2026, 1, 1, 0, 0))
    app.clock.current = seoul(2026, 1, 10, 10, 0)  # the second Saturday of January 2026
    await app.tick()
    assert any("Monthly recovery test today" in (m.text or "") for m in app.slack.posts_in("COPS"))


async def test_maintenance_window_lifecycle_and_suppression(make_harness: Any) -> None:
    app = await ops_app(make_harness, seoul(2026, 1, 9, 12, 0))
    await app.command("schedule 22:00 2h Database upgrade services:db,api", command="/maintenance")
    assert app.last_response().startswith(":construction: Maintenance #")
    window_id = int(app.last_response().split("#")[1].split(" ")[0].rstrip(":"))
    assert any("Database upgrade" in (m.text or "") for m in app.slack.posts_in("COPS")), "announced"
    maintenance = app.firebell.services.maintenance
    assert await maintenance.active_for("db") is None
    app.clock.current = seoul(2026, 1, 9, 21, 30)
    await app.tick()
    assert any("starts" in (m.text or "") and "Database upgrade" in (m.text or "") for m in app.slack.posts_in("COPS"))
    app.clock.current = seoul(2026, 1, 9, 22, 0)
    await app.tick()
    assert (await maintenance.active_for("db")) is not None
    assert (await maintenance.active_for("API")) is not None
    assert await maintenance.active_for("search") is None, "other services still alert"
    await app.command("list", command="/maintenance")
    assert "active now" in app.last_response()
    app.clock.current = seoul(2026, 1, 10, 0, 0)
    await app.tick()
    assert await maintenance.active_for("db") is None
    assert any("has ended" in (m.text or "") for m in app.slack.posts_in("COPS"))
    await app.command(f"cancel {window_id}", command="/maintenance")
    assert "already over" in app.last_response()


async def test_maintenance_bad_input_and_cancel(make_harness: Any) -> None:
    app = await ops_app(make_harness, seoul(2026, 1, 9, 12, 0))
    cases = {
        "schedule 2026-01-01 02:00 1h Old": "That time is in the past",
        "schedule 22:00 0m Nothing": "`0m` is not a duration.",
        "schedule 22:00 8h Too long": "A maintenance window may last at most 6 h 0 min.",
        "schedule soon 1h What": "`soon` is not a time.",
        "schedule 22:00": "Say when it starts, how long it lasts and what it is.",
        "cancel x": "`x` is not a number.",
        "cancel 77": "There is no maintenance window #77.",
    }
    for text, expected in cases.items():
        response = await app.command(text, command="/maintenance")
        answer = await app.answer(response)
        assert answer.startswith(expected), (text, answer)
    await app.command("schedule tomorrow 02:00 1h Patch", command="/maintenance")
    window_id = int(app.last_response().split("#")[1].split(" ")[0].rstrip(":"))
    await app.command(f"cancel {window_id}", command="/maintenance")
    assert app.last_response() == f"Maintenance #{window_id} cancelled."
    await app.command(f"cancel {window_id}", command="/maintenance")
    assert app.last_response() == f"Maintenance window #{window_id} was already cancelled."
    app.clock.current = seoul(2026, 1, 10, 2, 0)
    await app.tick()
    assert not any("Patch* has started" in (m.text or "") for m in app.slack.posts_in("COPS"))


async def test_recurring_window_is_created_and_survives_a_restart(make_harness: Any) -> None:
    clock = MutableClock(seoul(2026, 1, 9, 12, 0))
    first = await make_harness(policy=OPS_POLICY, clock=clock)
    windows = await first.firebell.services.maintenance.upcoming()
    assert [(w.title, w.starts_at) for w in windows] == [("Weekly maintenance", seoul(2026, 1, 11, 2, 0))]
    await first.close()
    clock.current = seoul(2026, 1, 11, 2, 30)  # down over the start
    second = await make_harness(policy=OPS_POLICY, clock=clock)
    await second.tick()
    started = [m for m in second.slack.posts_in("COPS") if "Weekly maintenance* has started" in (m.text or "")]
    assert len(started) == 1 and "Late" in (started[0].text or "")
    assert await second.firebell.services.maintenance.active_for("db") is not None
    titles = [(w.title, w.starts_at) for w in await second.firebell.services.maintenance.upcoming()]
    assert ("Weekly maintenance", seoul(2026, 1, 18, 2, 0)) in titles, "the next Sunday was created"


async def test_incident_checklist_is_due_at_the_resolve_target_and_nags_role_holders(make_harness: Any) -> None:
    app = await ops_app(make_harness, seoul(2026, 1, 9, 9, 0))
    await app.command("declare P0 Nagging", user="UCMDR")
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    await app.command("assign <@UCOMMS> comms", channel=channel["id"], user="UCMDR")
    await app.tick(hours=1)  # P0 resolve target in OPS_POLICY
    assert any("is overdue" in (m.text or "") for m in app.slack.posts_in(channel["id"]))
    assert any("Post a status page update" in (m.text or "") for m in app.slack.dms_to("UCOMMS")), (
        "a role given out after the run started is resolved when it is overdue")
    assert any("Confirm the outage" in (m.text or "") for m in app.slack.dms_to("UCMDR"))


async def test_incident_on_a_service_under_maintenance_says_so(make_harness: Any) -> None:
    app = await ops_app(make_harness, seoul(2026, 1, 11, 3, 0))  # inside the Sunday 02:00-06:00 window
    await app.tick()
    await app.command("declare")
    values = {
        ids.DECLARE_TITLE_BLOCK: {ids.DECLARE_TITLE_ACTION: {"type": "plain_text_input", "value": "DB slow"}},
        ids.DECLARE_SEVERITY_BLOCK: {ids.DECLARE_SEVERITY_ACTION: {"type": "static_select",
                                                                   "selected_option": {"value": "P2"}}},
        ids.DECLARE_SERVICE_BLOCK: {ids.DECLARE_SERVICE_ACTION: {"type": "plain_text_input", "value": "db"}},
    }
    await app.send_payload(app.view_payload(app.slack.views[-1], values))
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    assert any("db is in maintenance window" in (m.text or "") for m in app.slack.posts_in(channel["id"]))
