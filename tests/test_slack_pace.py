"""Slack's pace: a burst on one incident stays within Slack's per-channel and per-method limits (the stand-in
enforces them with 429s), the live message coalesces, and the end shows every change."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import func, select

from bot.slack.pace import SlackPace
from bot.slack.standin.limits import RateLimits
from storage.models import Delivery, Incident
from tests.conftest import Harness

# Ten times Slack's published pace on both sides, so the test takes seconds, not minutes.
SCALE = 10.0
ACTIONS = 200


async def test_pace_keeps_one_channel_within_slacks_allowance() -> None:
    limits = RateLimits(SCALE)
    pace = SlackPace(SCALE)
    refused = 0
    started = time.monotonic()

    async def post(n: int) -> None:
        nonlocal refused
        await pace.wait("chat.postMessage", {"channel": "CINC"})
        if await limits.admit("chat.postMessage", {"channel": "CINC"}) is not None:
            refused += 1

    await asyncio.gather(*(post(n) for n in range(40)))
    elapsed = time.monotonic() - started
    assert refused == 0
    # Three at once, then one every 0.1 s: 37 more take about 3.7 s.
    assert 3.0 < elapsed < 8.0


async def test_unpaced_burst_is_refused_by_the_stand_in() -> None:
    limits = RateLimits(SCALE)
    answers = [await limits.admit("chat.postMessage", {"channel": "CINC"}) for _ in range(20)]
    assert answers.count(None) == 6 and limits.refused["chat.postMessage"] == 14


async def drain(app: Harness, timeout: float = 120) -> None:
    """Until nothing is owed: the test clock moves with real time, so deliveries put back for their turn fall due."""
    deadline = time.monotonic() + timeout
    while True:
        async with app.firebell.services.sessions() as session:
            owed = await session.scalar(select(func.count()).select_from(Delivery).where(
                Delivery.state.in_(("pending", "sending"))))
        if not owed:
            return
        assert time.monotonic() < deadline, f"{owed} deliveries still owed"
        app.clock.advance(seconds=0.25)
        app.firebell.services.outbox.kick()
        await asyncio.sleep(0.25)
        await app.settle(timeout=60)


async def test_two_hundred_actions_on_one_incident(make_harness: Any) -> None:
    app: Harness = await make_harness(firebell_slack_pace=SCALE)
    slack = app.slack
    limits = slack.enforce_rate_limits(SCALE)
    await app.command("declare P4 Checkout is slow")
    async with app.firebell.services.sessions() as session:
        incident = await session.get(Incident, 1)
        assert incident is not None and incident.channel_id
    channel = incident.channel_id

    # 200 actions within 10 s: updates, severity changes back and forth, then ack and mitigate.
    commands = [f"update 1 step {n}" if n % 5 else f"severity 1 {'P3' if n % 10 else 'P4'}" for n in range(ACTIONS)]
    commands[100] = "ack 1"
    commands[-2] = "severity 1 P3"
    commands[-1] = "mitigate 1"
    started = time.monotonic()

    async def act(index: int, text: str) -> tuple[float, int]:
        # Each action leaves at its own time, whatever the acks of the others take on a busy machine.
        await asyncio.sleep(index * 0.045)
        sent_at = time.monotonic() - started
        response = await app.command(text, settle=False)
        return sent_at, response.status

    sent = await asyncio.gather(*(act(index, text) for index, text in enumerate(commands)))
    assert max(at for at, _ in sent) < 10.5 and {status for _, status in sent} == {200}
    await app.settle(timeout=120)
    await drain(app)

    assert limits.total_refused == 0, f"Slack would have refused: {dict(limits.refused)}"
    async with app.firebell.services.sessions() as session:
        incident = await session.get(Incident, 1)
        assert incident is not None
    assert (incident.severity, incident.status) == ("P3", "mitigated")
    # Every announcement owed (one per accepted action; a few were refused, e.g. P4 while already P4) was
    # delivered, once.
    async with app.firebell.services.sessions() as session:
        owed = list((await session.execute(select(Delivery).where(Delivery.kind == "incident.announce"))).scalars())
    assert len(owed) > ACTIONS * 0.9 and {d.state for d in owed} == {"sent"}
    posted = [(m.metadata or {}).get("event_payload", {}).get("key") for m in slack.messages.values()]
    assert sorted(k for k in posted if k and k.startswith(("announce:", "broadcast:"))) == sorted(d.key for d in owed)
    # The live message shows the final state, updated in place far fewer times than there were actions.
    live = slack.messages[(channel, incident.summary_ts)]
    assert "mitigated" in str(live.blocks).lower() and "Low" in str(live.blocks)
    edits = [c for c in slack.calls_to("chat.update") if c.get("channel") == channel and c.get("ts") == live.ts]
    assert 0 < len(edits) < ACTIONS
    topics = slack.calls_to("conversations.setTopic")
    print(f"pace: {len(sent)} actions, {len(owed)} announcements, {len(edits)} live edits, {len(topics)} topics, "
          f"{time.monotonic() - started:.1f} s to deliver everything, 429s: {limits.total_refused}")
    assert len(topics) < ACTIONS // 5 + 2
    topic = slack.channels[channel]["topic"]
    assert "mitigated" in topic.lower() and "Low" in topic
