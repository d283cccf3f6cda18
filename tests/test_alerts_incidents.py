"""Alerts open, update and resolve incidents: grouping, de-duplication, the live message edited in place,
resolving per policy, reopening, PagerDuty's acknowledge, and maintenance suppression."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from storage.models import TimelineEntry
from tests.alerts_support import ALERTS_POLICY, incidents, post_alert, processed, stored_alerts, vector
from tests.conftest import AppFactory, Harness


@pytest.fixture
async def alerts_app(make_harness: AppFactory) -> Harness:
    return await make_harness(policy=ALERTS_POLICY)


async def kinds(app: Harness, number: int) -> list[str]:
    async with app.firebell.services.sessions() as session:
        rows = await session.execute(select(TimelineEntry.kind).where(TimelineEntry.incident_id == number)
                                     .order_by(TimelineEntry.id))
        return list(rows.scalars())


def live_messages(app: Harness, channel: str) -> list[Any]:
    return [m for m in app.slack.posts_in(channel) if m.text and m.text.startswith(":bell:")]


def am_alert(name: str, status: str = "firing", **labels: str) -> dict[str, Any]:
    return {"status": status, "labels": {"alertname": name, **labels}, "annotations": {"summary": f"{name} summary"},
            "startsAt": "2026-11-22T03:00:00Z", "endsAt": "0001-01-01T00:00:00Z"}


def am_body(group: str, *alerts: dict[str, Any], status: str = "firing") -> dict[str, Any]:
    return {"version": "4", "status": status, "groupKey": group, "receiver": "firebell", "alerts": list(alerts),
            "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {}, "externalURL": "", "truncatedAlerts": 0}


async def test_grouped_alerts_open_one_incident_with_the_highest_severity(alerts_app: Harness) -> None:
    body = vector("alertmanager/am-firing-grouped-3alerts_prometheus-msteams.json")
    await post_alert(alerts_app, "alertmanager", body)
    await processed(alerts_app)
    [incident] = await incidents(alerts_app)
    assert len(await stored_alerts(alerts_app)) == 3
    assert (await kinds(alerts_app, incident.id)).count("alert_fired") == 3
    assert incident.channel_id is not None
    [live] = live_messages(alerts_app, incident.channel_id)
    assert "*3* firing" in str(live.blocks)


async def test_duplicates_and_storms_attach_and_edit_the_live_message_in_place(alerts_app: Harness) -> None:
    for n in range(5):
        await post_alert(alerts_app, "alertmanager", am_body("{}:{alertname=\"Api\"}", am_alert("Api", pod=f"p{n}")))
        # The same alert again (Alertmanager repeats firing notifications): de-duplicated.
        await post_alert(alerts_app, "alertmanager", am_body("{}:{alertname=\"Api\"}", am_alert("Api", pod=f"p{n}")))
    await processed(alerts_app)
    [incident] = await incidents(alerts_app)
    assert incident.channel_id is not None
    assert len(await stored_alerts(alerts_app)) == 5
    assert (await kinds(alerts_app, incident.id)).count("alert_fired") == 5
    [live] = live_messages(alerts_app, incident.channel_id)  # one message, never a post per alert
    assert "*5* firing" in str(live.blocks) and "10 notifications" in str(live.blocks)
    posts_before = len(alerts_app.slack.calls_to("chat.postMessage"))
    await post_alert(alerts_app, "alertmanager", am_body("{}:{alertname=\"Api\"}", am_alert("Api", pod="p9")))
    await processed(alerts_app)
    assert len(alerts_app.slack.calls_to("chat.postMessage")) == posts_before
    assert "*6* firing" in str(live_messages(alerts_app, incident.channel_id)[0].blocks)


async def test_all_alerts_resolved_resolves_the_incident(alerts_app: Harness) -> None:
    await post_alert(alerts_app, "alertmanager", vector("alertmanager/am-firing-single_alertmanager-bot.json"))
    await processed(alerts_app)
    await post_alert(alerts_app, "alertmanager", vector("alertmanager/am-resolved-single_alertmanager-bot.json"))
    await processed(alerts_app)
    [incident] = await incidents(alerts_app)
    assert incident.status == "resolved"
    assert incident.resolved_by == "UALERTS"
    assert "alert_resolved" in await kinds(alerts_app, incident.id)


async def test_ask_mode_posts_a_resolve_button_once(make_harness: AppFactory) -> None:
    app = await make_harness(policy=ALERTS_POLICY.replace("reopen_within: 1h", "reopen_within: 1h\n  resolve: ask"))
    await post_alert(app, "alertmanager", vector("alertmanager/am-firing-single_alertmanager-bot.json"))
    await processed(app)
    resolved = vector("alertmanager/am-resolved-single_alertmanager-bot.json")
    await post_alert(app, "alertmanager", resolved)
    await post_alert(app, "alertmanager", resolved)
    await processed(app)
    [incident] = await incidents(app)
    assert incident.status == "declared"
    assert incident.channel_id is not None
    prompts = [m for m in app.slack.posts_in(incident.channel_id) if m.text and "resolve the incident?" in m.text]
    assert len(prompts) == 1
    assert prompts[0].blocks is not None and "incident.resolve" in str(prompts[0].blocks)
    await app.click("incident.resolve", str(incident.id), channel=incident.channel_id, user="UONCALL1")
    [incident] = await incidents(app)
    assert incident.status == "resolved"


async def test_refire_after_resolve_reopens_within_the_window_and_declares_after(alerts_app: Harness) -> None:
    firing = vector("alertmanager/am-firing-single_alertmanager-bot.json")
    resolved = vector("alertmanager/am-resolved-single_alertmanager-bot.json")
    await post_alert(alerts_app, "alertmanager", firing)
    await processed(alerts_app)
    await post_alert(alerts_app, "alertmanager", resolved)
    await processed(alerts_app)
    alerts_app.clock.advance(minutes=10)
    await post_alert(alerts_app, "alertmanager", firing)
    await processed(alerts_app)
    [incident] = await incidents(alerts_app)
    assert incident.status == "reopened"
    assert "alert_reopened" in await kinds(alerts_app, incident.id)
    await post_alert(alerts_app, "alertmanager", resolved)
    await processed(alerts_app)
    alerts_app.clock.advance(hours=2)
    await post_alert(alerts_app, "alertmanager", firing)
    await processed(alerts_app)
    assert [i.status for i in await incidents(alerts_app)] == ["resolved", "declared"]


async def test_resolve_before_fire_opens_nothing(alerts_app: Harness) -> None:
    await post_alert(alerts_app, "alertmanager", vector("alertmanager/am-resolved-single_alertmanager-bot.json"))
    await processed(alerts_app)
    assert await incidents(alerts_app) == []
    [alert] = await stored_alerts(alerts_app)
    assert alert.status == "resolved"


async def test_pagerduty_trigger_acknowledge_resolve(alerts_app: Harness) -> None:
    trigger = vector("pagerduty/pd-events-v2-trigger_developer-docs.json")
    trigger["dedup_key"] = "dedupkeyhere"
    await post_alert(alerts_app, "pagerduty", trigger)
    await processed(alerts_app)
    [incident] = await incidents(alerts_app)
    assert (incident.severity, incident.title) == ("P3", "Example alert on host1.example.com")
    await post_alert(alerts_app, "pagerduty", vector("pagerduty/pd-events-v2-acknowledge_developer-docs.json"))
    await processed(alerts_app)
    [incident] = await incidents(alerts_app)
    assert incident.status == "acknowledged"
    resolve = vector("pagerduty/pd-events-v2-resolve_developer-docs.json")
    resolve["dedup_key"] = "dedupkeyhere"
    await post_alert(alerts_app, "pagerduty", resolve)
    await processed(alerts_app)
    [incident] = await incidents(alerts_app)
    assert incident.status == "resolved"


async def test_routes_set_severity_service_and_title(alerts_app: Harness) -> None:
    body = am_body("db-group", am_alert("ConnectionsHigh", team="db", severity="warning", instance="db-1"))
    await post_alert(alerts_app, "alertmanager", body)
    other = am_body("web-group", am_alert("ErrorRate", severity="warning", instance="web-1", service="web"))
    await post_alert(alerts_app, "alertmanager", other)
    await processed(alerts_app)
    first, second = await incidents(alerts_app)
    assert (first.severity, first.service, first.title) == ("P1", "database", "DB: ConnectionsHigh")
    assert (second.severity, second.service, second.title) == ("P2", "web", "ErrorRate web-1")


async def test_a_route_can_choose_the_escalation_policy(alerts_app: Harness) -> None:
    await post_alert(alerts_app, "alertmanager", am_body("web", am_alert("Down", team="web")))
    await post_alert(alerts_app, "alertmanager", am_body("other", am_alert("Down", severity="critical")))
    await processed(alerts_app)
    routed, plain = await incidents(alerts_app)
    assert routed.severity == plain.severity == "P0"
    assert routed.escalation_snapshot is not None and plain.escalation_snapshot is not None
    assert [t["name"] for t in routed.escalation_snapshot["tiers"]] == ["L1 on-call"]
    assert len(plain.escalation_snapshot["tiers"]) == 3
    assert routed.escalation_snapshot["tiers"][0]["notify"] == ["mention"]


async def test_a_route_can_make_the_person_on_call_commander(make_harness: AppFactory) -> None:
    policy = ALERTS_POLICY.replace("      escalation: slow\n", "      escalation: slow\n      rotation: primary\n")
    rotations = "rotations:\n  primary:\n    layers:\n      - {members: [UBOB], shift: 7d}\n"
    app = await make_harness(policy=policy + rotations)
    await post_alert(app, "alertmanager", am_body("web", am_alert("Down", team="web")))
    await processed(app)
    [incident] = await incidents(app)
    assert incident.commander_id == "UBOB"
    assert incident.channel_id is not None and "UBOB" in app.slack.channels[incident.channel_id]["members"]


async def test_alerts_in_a_maintenance_window_are_suppressed(alerts_app: Harness) -> None:
    start = (alerts_app.clock.now() + timedelta(minutes=10)).astimezone(ZoneInfo("Asia/Seoul"))
    await alerts_app.command(f"schedule {start:%Y-%m-%d %H:%M} 1h DB upgrade services:database",
                             command="/maintenance")
    assert "Maintenance #" in alerts_app.last_response()
    await alerts_app.tick(minutes=15)
    body = am_body("db-group", am_alert("ConnectionsHigh", team="db", severity="critical"))
    await post_alert(alerts_app, "alertmanager", body)
    await processed(alerts_app)
    assert await incidents(alerts_app) == []
    [alert] = await stored_alerts(alerts_app)
    assert alert.suppressed_by is not None
    await alerts_app.command("list", command="/maintenance")
    assert "suppressed" in alerts_app.last_response()
    await alerts_app.tick(hours=1)
    ended = [m.text or "" for m in alerts_app.slack.messages.values() if "has ended" in (m.text or "")]
    assert ended and "suppressed" in ended[0]
    # After the window the same alert, still firing, opens an incident.
    await post_alert(alerts_app, "alertmanager", copy.deepcopy(body))
    await processed(alerts_app)
    assert len(await incidents(alerts_app)) == 1
