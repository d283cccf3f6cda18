"""Adding Slack messages to an incident's timeline over HTTP: the "Add to incident timeline" message
shortcut and a :pushpin: reaction record the author, time, text and permalink, once per message."""

from __future__ import annotations

import time
import uuid
from typing import Any

from bot.slack import ids
from tests.conftest import Harness


def shortcut(app: Harness, channel: str, ts: str, text: str, author: str, user: str = "UALICE") -> dict[str, Any]:
    trigger = f"trigger-pin-{uuid.uuid4().hex[:8]}"
    return {
        "type": "message_action", "callback_id": ids.TIMELINE_ADD, "trigger_id": trigger,
        "team": {"id": "T0001", "domain": "test"}, "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
        "api_app_id": "A0001", "token": "verification-token-unused", "action_ts": f"{time.time():.6f}",
        "channel": {"id": channel, "name": "incident"}, "message_ts": ts,
        "message": {"type": "message", "ts": ts, "text": text, "user": author},
        "response_url": app.slack.response_url(trigger),
    }


async def timeline(app: Harness) -> str:
    return await app.answer(await app.command("timeline 1"))


async def test_shortcut_and_pushpin_add_messages_to_the_timeline(app: Harness) -> None:
    await app.command("declare P1 Checkout failing")
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    first = app.slack.say(channel["id"], "UBOB", "DB CPU at 100% since 10:02")
    await app.send_payload(shortcut(app, channel["id"], first, "DB CPU at 100% since 10:02", "UBOB"))
    assert "Added to the timeline of incident #1" in app.last_response()
    lines = await timeline(app)
    assert "<@UALICE> added <@UBOB>'s message" in lines and "DB CPU at 100% since 10:02" in lines
    assert f"https://test.slack.com/archives/{channel['id']}/p{first.replace('.', '')}" in lines
    # The same message again: recorded once.
    await app.send_payload(shortcut(app, channel["id"], first, "DB CPU at 100% since 10:02", "UBOB"))
    assert "already" in app.last_response()
    # A :pushpin: reaction on another message; other reactions are ignored.
    second = app.slack.say(channel["id"], "UCAROL", "Rolled back to v41")
    await app.event({"type": "reaction_added", "user": "UDAVE", "reaction": "thumbsup",
                     "item": {"type": "message", "channel": channel["id"], "ts": second}, "event_ts": "1.1"})
    assert "Rolled back to v41" not in await timeline(app)
    await app.event({"type": "reaction_added", "user": "UDAVE", "reaction": "pushpin",
                     "item": {"type": "message", "channel": channel["id"], "ts": second}, "event_ts": "1.2"})
    lines = await timeline(app)
    assert "<@UDAVE> added <@UCAROL>'s message" in lines and "Rolled back to v41" in lines
    await app.event({"type": "reaction_added", "user": "UERIN", "reaction": "pushpin",
                     "item": {"type": "message", "channel": channel["id"], "ts": second}, "event_ts": "1.3"})
    assert (await timeline(app)).count("Rolled back to v41") == 1


async def test_outside_an_incident_channel(app: Harness) -> None:
    ts = app.slack.say("COPS", "UBOB", "hello")
    await app.send_payload(shortcut(app, "COPS", ts, "hello", "UBOB"))
    assert "from an incident channel only" in app.last_response()
    await app.event({"type": "reaction_added", "user": "UDAVE", "reaction": "pushpin",
                     "item": {"type": "message", "channel": "COPS", "ts": ts}, "event_ts": "1.4"})
    assert not app.slack.calls_to("chat.getPermalink")
