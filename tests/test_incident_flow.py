"""The incident lifecycle end to end: real app, real HTTP, fake Slack."""

from __future__ import annotations

from tests.conftest import Harness


async def test_declare_creates_channel_summary_and_feed(app: Harness) -> None:
    response = await app.command("declare P1 Checkout is down")
    assert response.status == 200
    body = await response.json()
    assert "Declaring" in body["text"]
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    assert channel["name"] == "inc-1-checkout-is-down"
    assert "UALICE" in channel["members"]
    assert channel["topic"].startswith("P1 Major | declared | Checkout is down")
    summary = app.slack.posts_in(channel["id"])
    assert len(summary) == 1 and summary[0].blocks
    feed = app.slack.posts_in("CFEED")
    assert len(feed) == 1
    assert "<!here>" in (feed[0].text or "")
    assert app.slack.calls_to("conversations.join")
    assert any("Incident #1 declared" in text for text in app.slack.response_texts())
