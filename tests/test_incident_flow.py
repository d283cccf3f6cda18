"""The incident lifecycle end to end: real app, real HTTP, signed requests, fake Slack."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.slack import ids
from storage.models import Incident, TimelineEntry
from tests.conftest import Harness


async def declare(app: Harness, text: str = "declare P1 Checkout is down", **kwargs: Any) -> dict[str, Any]:
    response = await app.command(text, **kwargs)
    assert response.status == 200
    channel = app.slack.channel_by_name_prefix("inc-")
    assert channel is not None
    return channel


async def incident_row(app: Harness, number: int = 1) -> Incident:
    async with app.firebell.services.sessions() as session:
        incident = await session.get(Incident, number)
    assert incident is not None
    return incident


async def count_incidents(app: Harness) -> int:
    async with app.firebell.services.sessions() as session:
        return (await session.execute(select(func.count()).select_from(Incident))).scalar_one()


async def timeline_kinds(app: Harness, number: int = 1) -> list[str]:
    async with app.firebell.services.sessions() as session:
        rows = await session.execute(
            select(TimelineEntry.kind).where(TimelineEntry.incident_id == number).order_by(TimelineEntry.id)
        )
        return list(rows.scalars())


def summary_of(app: Harness, channel_id: str) -> str:
    """The live summary message's blocks, flattened to text."""
    messages = [m for m in app.slack.posts_in(channel_id) if m.blocks]
    assert messages, f"no live message in {channel_id}"
    return str(messages[0].blocks)


async def test_declare_creates_channel_summary_and_feed(app: Harness) -> None:
    response = await app.command("declare P1 Checkout is down")
    assert response.status == 200
    body = await response.json()
    assert body["response_type"] == "ephemeral"
    assert "Declaring" in body["text"]
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    assert channel["name"] == "inc-1-checkout-is-down"
    assert "UALICE" in channel["members"]
    assert channel["topic"] == "P1 Major | declared | Checkout is down"
    summary = app.slack.posts_in(channel["id"])
    assert len(summary) == 1 and summary[0].blocks
    buttons = [e["action_id"] for b in summary[0].blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons == [ids.ACK, ids.UPDATE, ids.ESCALATE, ids.RESOLVE]
    feed = app.slack.posts_in("CFEED")
    assert len(feed) == 1
    assert "<!here>" in (feed[0].text or "")
    assert app.slack.calls_to("conversations.join"), "the bot joins the feed channel on not_in_channel"
    assert any(f"Incident #1 declared: <#{channel['id']}>" in text for text in app.slack.response_texts())
    incident = await incident_row(app)
    assert (incident.channel_id, incident.summary_ts, incident.feed_ts) == (channel["id"], summary[0].ts, feed[0].ts)
    assert incident.status == "declared" and incident.commander_id == "UALICE"


async def test_p0_broadcasts_channel_and_p2_does_not(app: Harness) -> None:
    await app.command("declare P0 Everything is down")
    await app.command("declare P2 Small glitch")
    feed = app.slack.posts_in("CFEED")
    assert "<!channel>" in (feed[0].text or "")
    assert "<!" not in (feed[1].text or "")


async def test_korean_title_gets_a_valid_channel(app: Harness) -> None:
    await app.command("declare P1 결제 서비스 중단 🔥")
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    assert channel["name"].isascii() and len(channel["name"]) <= 80
    assert "결제 서비스 중단" in summary_of(app, channel["id"])


async def test_name_taken_gets_a_suffix(app: Harness) -> None:
    app.slack.add_channel("COLD", "inc-1-db-down", members=set())
    await app.command("declare P2 DB down")
    channel = app.slack.channel_by_name_prefix("inc-1-db-down-2")
    assert channel is not None
    assert (await incident_row(app)).channel_name == "inc-1-db-down-2"


async def test_full_lifecycle_inside_the_incident_channel(app: Harness) -> None:
    channel = (await declare(app))["id"]
    await app.command("ack", channel=channel, user="UBOB")
    incident = await incident_row(app)
    assert incident.status == "acknowledged"
    assert incident.acknowledged_by == "UBOB"
    assert incident.time_to_ack_seconds is not None
    await app.command("update 12 users affected, rolling back", channel=channel)
    await app.command("severity P0", channel=channel)
    await app.command("assign <@UCAROL|carol> comms", channel=channel)
    await app.command("assign <@UDAVE> commander", channel=channel)
    await app.command("mitigate", channel=channel)
    await app.command("resolve rolled back release 42", channel=channel)
    incident = await incident_row(app)
    assert incident.status == "resolved"
    assert incident.severity == "P0"
    assert incident.commander_id == "UDAVE"
    assert incident.resolution_summary == "rolled back release 42"
    assert incident.time_to_resolve_seconds is not None
    # Raising P1 to P0 does what declaring a P0 does: P0's leads are told at once ("paged").
    assert await timeline_kinds(app) == [
        "declared", "channel_created", "acknowledged", "update", "severity", "paged", "assigned", "assigned",
        "mitigated", "resolved", "postmortem_drafted",
    ]
    assert app.slack.dms_to("ULEAD1"), "the raise told P0's leads"
    posts = [m.text or "" for m in app.slack.posts_in(channel) if not m.blocks]
    assert any("<@UBOB> acknowledged" in p for p in posts)
    assert any("12 users affected" in p for p in posts)
    assert any("Post-mortem due" in p for p in posts)
    assert {"UCAROL", "UDAVE"} <= app.slack.channels[channel]["members"]
    live = summary_of(app, channel)
    assert "resolved" in live and "<@UDAVE>" in live and ids.REOPEN in live
    assert app.slack.channels[channel]["topic"].startswith("P0 Critical | resolved")
    feed = app.slack.posts_in("CFEED")
    assert "resolved" in str(feed[0].blocks)
    assert any(m.thread_ts == feed[0].ts for m in feed), "updates are threaded under the feed announcement"
    # Inside the incident channel the channel post is the confirmation: no private echo.
    assert not any("acknowledged." in text for text in app.slack.response_texts())
    await app.command("reopen", channel=channel)
    assert (await incident_row(app)).status == "reopened"


async def test_outside_the_channel_the_number_is_required(app: Harness) -> None:
    await declare(app)
    await app.command("ack")
    assert "name the incident by number" in app.last_response()
    assert "/incident ack [number]" in app.last_response()
    await app.command("ack 1")
    assert app.last_response() == "Incident #1 acknowledged."
    await app.command("ack 99")
    assert app.last_response() == "There is no incident #99."


async def test_invalid_transitions_are_explained(app: Harness) -> None:
    channel = (await declare(app))["id"]
    await app.command("resolve", channel=channel)
    await app.command("ack", channel=channel)
    assert app.last_response() == "Incident #1 is resolved; it cannot be acknowledged now."
    await app.command("severity P1", channel=channel)
    assert "cannot be changed in severity" in app.last_response()
    await app.command("reopen", channel=channel)
    await app.command("reopen", channel=channel)
    assert "is reopened; it cannot be reopened" in app.last_response()


async def test_status_list_timeline_and_help(app: Harness) -> None:
    channel = (await declare(app))["id"]
    await app.command("declare P3 Slow reports")
    await app.command("resolve 2")
    await app.command("status", channel=channel)
    status = app.slack.responses[-1]
    assert status["blocks"] and "Checkout is down" in str(status["blocks"])
    await app.command("list")
    assert "#1" in app.last_response() and "#2" not in app.last_response()
    await app.command("list all")
    assert "#1" in app.last_response() and "#2" in app.last_response()
    await app.command("timeline 1")
    assert "declared it (P1): Checkout is down" in app.last_response()
    response = await app.command("help")
    assert "/incident declare" in (await response.json())["text"]


async def test_buttons(app: Harness) -> None:
    channel = (await declare(app))["id"]
    response = await app.click(ids.ACK, "1", channel=channel, user="UBOB")
    assert response.status == 200
    assert (await incident_row(app)).status == "acknowledged"
    live = summary_of(app, channel)
    assert ids.ACK not in live, "no Acknowledge button once acknowledged"
    await app.click(ids.UPDATE, "1", channel=channel)
    assert app.slack.views and app.slack.views[-1]["callback_id"] == ids.UPDATE_VIEW
    await app.click(ids.RESOLVE, "1", channel=channel)
    assert (await incident_row(app)).status == "resolved"
    await app.click(ids.REOPEN, "1", channel=channel)
    assert (await incident_row(app)).status == "reopened"
    await app.click(ids.ACK, "not-a-number", channel=channel)
    assert "is not an incident number" in app.last_response()
    await app.click(ids.ACK, "77", channel=channel)
    assert app.last_response() == "There is no incident #77."


async def test_declare_modal_and_update_modal(app: Harness) -> None:
    response = await app.command("declare", channel="CGENERAL")
    assert response.status == 200
    view = app.slack.views[-1]
    assert view["callback_id"] == ids.DECLARE_VIEW
    values = {
        ids.DECLARE_TITLE_BLOCK: {ids.DECLARE_TITLE_ACTION: {"type": "plain_text_input", "value": "Login fails"}},
        ids.DECLARE_SEVERITY_BLOCK: {ids.DECLARE_SEVERITY_ACTION: {
            "type": "static_select", "selected_option": {"value": "P0", "text": {"type": "plain_text", "text": "P0"}}}},
        ids.DECLARE_SERVICE_BLOCK: {ids.DECLARE_SERVICE_ACTION: {"type": "plain_text_input", "value": "auth"}},
        ids.DECLARE_DESCRIPTION_BLOCK: {ids.DECLARE_DESCRIPTION_ACTION: {"type": "plain_text_input",
                                                                         "value": "All logins 500"}},
        ids.DECLARE_COMMANDER_BLOCK: {ids.DECLARE_COMMANDER_ACTION: {"type": "users_select",
                                                                     "selected_user": "UCAROL"}},
    }
    response = await app.send_payload(app.view_payload(view, values))
    assert response.status == 200
    assert await response.text() == ""  # the modal closes
    incident = await incident_row(app)
    assert (incident.title, incident.severity, incident.service, incident.commander_id) == (
        "Login fails", "P0", "auth", "UCAROL")
    channel = app.slack.channels[incident.channel_id or ""]
    assert {"UALICE", "UCAROL"} <= channel["members"]
    assert "All logins 500" in summary_of(app, channel["id"])

    await app.click(ids.UPDATE, "1", channel=channel["id"])
    update_view = app.slack.views[-1]
    update_values = {ids.UPDATE_TEXT_BLOCK: {ids.UPDATE_TEXT_ACTION: {"type": "plain_text_input",
                                                                      "value": "Auth pods restarted"}}}
    await app.send_payload(app.view_payload(update_view, update_values))
    assert "Auth pods restarted" in summary_of(app, channel["id"])


async def test_modal_validation_errors(app: Harness) -> None:
    await app.command("declare")
    view = app.slack.views[-1]
    blank = {ids.DECLARE_TITLE_BLOCK: {ids.DECLARE_TITLE_ACTION: {"type": "plain_text_input", "value": "   "}}}
    response = await app.send_payload(app.view_payload(view, blank))
    body = await response.json()
    assert body["response_action"] == "errors"
    assert ids.DECLARE_TITLE_BLOCK in body["errors"]
    assert await count_incidents(app) == 0


async def test_bad_input_gets_a_specific_answer_and_writes_nothing(app: Harness) -> None:
    cases = {
        "frobnicate": "I don't know `frobnicate`.",
        "declare P1": "The incident needs a title.",
        "declare P9 Disk full": "`P9` is not a severity. Use one of P0, P1, P2, P3, P4.",
        "assign 1 bob": "`bob` is not a user mention.",
        "부탁해요 도와주세요": "I don't know `부탁해요`.",
    }
    for text, expected in cases.items():
        response = await app.command(text)
        assert response.status == 200
        body = await response.json()
        assert body["response_type"] == "ephemeral"
        assert body["text"].startswith(expected), (text, body["text"])
        assert "Usage:" in body["text"] or "/incident declare" in body["text"]
    assert await count_incidents(app) == 0


async def test_overlong_title_is_clipped_and_said(app: Harness) -> None:
    response = await app.command("declare P2 " + "very long title " * 30)
    body = await response.json()
    assert "shortened" in body["text"]
    incident = await incident_row(app)
    assert len(incident.title) <= 150 and incident.title.endswith("…")


async def test_korean_locale(make_harness: Any) -> None:
    app = await make_harness(locale="ko")
    response = await app.command("declare P0 결제 서비스 중단")
    assert "장애를 선언하는 중" in (await response.json())["text"]
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    assert channel["topic"].startswith("P0 치명 | 선언됨")
    assert "#1 장애" in summary_of(app, channel["id"])
    assert "<!channel> 새 P0 치명 장애입니다." in (app.slack.posts_in("CFEED")[0].text or "")
    await app.command("ack 1")
    assert app.last_response() == "#1 장애를 인지 처리했습니다."
    response = await app.command("frobnicate")
    assert "사용법" in (await response.json())["text"] or "/incident declare" in (await response.json())["text"]


async def test_home_tab_lists_open_incidents(app: Harness) -> None:
    await declare(app)
    response = await app.event({"type": "app_home_opened", "user": "UBOB", "channel": "D1", "tab": "home"})
    assert response.status == 200
    assert "Checkout is down" in str(app.slack.home_views["UBOB"])
