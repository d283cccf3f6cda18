"""Socket Mode against the stand-in of `apps.connections.open` and its websocket: requests arrive as envelopes
and are acknowledged, a dropped connection and Slack's refresh are reconnected, and with the network down
the link says so in one line per attempt (with backoff) and `/healthz` shows it is not connected."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
import pytest

from bot.slack import socket_mode
from bot.slack.socket_mode import SocketModeLink, backoff
from bot.slack.standin import FakeSlack
from bot.slack.standin.socket import APP_TOKEN
from tests.conftest import TEST_POLICY, Harness, slash_command_body
from tests.replicas import Replica, eventually


def command_payload(app: Harness, text: str, trigger: str) -> dict[str, Any]:
    body = slash_command_body(text, response_url=app.slack.response_url(trigger), trigger_id=trigger)
    return dict(parse_qsl(body))


async def connected_link(app: Harness) -> SocketModeLink:
    link = SocketModeLink(app.firebell.bolt, APP_TOKEN, app.firebell.runtime, ping_interval=1)
    link.start()
    await app.eventually(lambda: app.firebell.runtime.socket_mode == "connected")
    return link


async def test_envelopes_are_acknowledged_and_handled(app: Harness) -> None:
    stand_in = app.slack.socket_mode
    link = await connected_link(app)
    try:
        envelope = await stand_in.send("slash_commands", command_payload(app, "declare P1 Over a socket", "t-sock-1"))
        ack = await stand_in.ack_of(envelope)
        assert "Declaring" in str(ack.get("payload"))
        await app.eventually(lambda: app.slack.channel_by_name_prefix("inc-1-") is not None)
        # Slack resends an envelope it thinks was lost: recognised by its trigger id, nothing twice.
        again = await stand_in.send("slash_commands", command_payload(app, "declare P1 Over a socket", "t-sock-1"),
                                    retry_attempt=1)
        await stand_in.ack_of(again)
        await app.settle()
        assert len([c for c in app.slack.channels.values() if c["name"].startswith("inc-")]) == 1
        async with app.http.get(str(app.server.make_url("/healthz"))) as response:
            assert (await response.json())["socket_mode"] == "connected"
    finally:
        await link.close_async()


async def test_dropped_connection_and_refresh_reconnect(app: Harness) -> None:
    stand_in = app.slack.socket_mode
    link = await connected_link(app)
    try:
        await stand_in.drop()
        await app.eventually(lambda: link.connections == 2 and app.firebell.runtime.socket_mode == "connected")
        envelope = await stand_in.send("slash_commands", command_payload(app, "declare P2 After a drop", "t-sock-2"))
        await stand_in.ack_of(envelope)

        opened = stand_in.opened
        await stand_in.refresh()
        await app.eventually(lambda: stand_in.opened > opened and len(stand_in.open_connections) == 1)
        await app.eventually(lambda: app.firebell.runtime.socket_mode == "connected")
        envelope = await stand_in.send("slash_commands", command_payload(app, "declare P2 After a refresh", "t-sock-3"))
        await stand_in.ack_of(envelope)
        await app.settle()
        assert app.slack.channel_by_name_prefix("inc-1-after-a-drop")
        assert app.slack.channel_by_name_prefix("inc-2-after-a-refresh")
    finally:
        await link.close_async()


async def test_network_down_is_one_line_per_attempt(app: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket_mode, "FIRST_BACKOFF", 0.1)
    stand_in = app.slack.socket_mode
    link = await connected_link(app)
    try:
        stand_in.refusing = True
        await stand_in.drop()
        await app.eventually(lambda: app.firebell.runtime.socket_mode == "disconnected")
        async with app.http.get(str(app.server.make_url("/healthz"))) as response:
            assert (await response.json())["socket_mode"] == "disconnected"
        await asyncio.sleep(1.0)
        stand_in.refusing = False
        await app.eventually(lambda: app.firebell.runtime.socket_mode == "connected", timeout=15)
    finally:
        await link.close_async()


def test_backoff_doubles_up_to_a_minute() -> None:
    assert 0.8 <= backoff(1) <= 1.2 and 3.2 <= backoff(3) <= 4.8 and 48 <= backoff(20) <= 72


async def test_firebell_run_with_the_network_down(slack: FakeSlack, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(TEST_POLICY)
    slack.socket_mode.refusing = True
    replica = Replica("socket", tmp_path, slack, f"sqlite+aiosqlite:///{tmp_path}/socket.db", policy,
                      SLACK_APP_TOKEN=APP_TOKEN)
    async with aiohttp.ClientSession() as http:
        try:
            await replica.start(http, wait=False)
            health = await replica.healthy(http)
            assert health["socket_mode"] in ("connecting", "disconnected")
            await eventually(lambda: len(replica.events("socket_mode_connect_failed")) >= 3, timeout=20)
            slack.socket_mode.refusing = False
            await eventually(lambda: replica.events("socket_mode_connected"), timeout=20)
            assert (await replica.health(http))["socket_mode"] == "connected"
        finally:
            replica.signal(signal.SIGTERM)
            assert await replica.stop() == 0
    failures = replica.events("socket_mode_connect_failed")
    assert [f["attempt"] for f in failures[:3]] == [1, 2, 3]
    assert failures[1]["retry_in_seconds"] > failures[0]["retry_in_seconds"]
    assert all("network unreachable" in f["reason"] or "refused" in f["reason"] for f in failures)
    assert "Traceback" not in replica.log_text() and APP_TOKEN not in replica.log_text()


async def test_envelopes_spread_over_two_replicas_happen_once(make_harness: Any, database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("two replicas share one PostgreSQL database; set FIREBELL_TEST_DATABASE_URL")
    first, second = await make_harness(), await make_harness()
    links = [await connected_link(first), await connected_link(second)]
    stand_in = first.slack.socket_mode
    try:
        assert len(stand_in.open_connections) == 2
        for n in range(8):
            payload = command_payload(first, f"declare P2 Spread {n}", f"t-spread-{n}")
            await stand_in.ack_of(await stand_in.send("slash_commands", payload))
            # Slack's retry of the same envelope goes out on the other connection (round robin).
            await stand_in.ack_of(await stand_in.send("slash_commands", payload, retry_attempt=1))
        await first.settle()
        await second.settle()
        await first.eventually(lambda: len([c for c in first.slack.channels.values()
                                            if c["name"].startswith("inc-")]) == 8)
        await asyncio.sleep(0.5)
        names = [c["name"] for c in first.slack.channels.values() if c["name"].startswith("inc-")]
        assert len(names) == 8 == len(set(names))
    finally:
        for link in links:
            await link.close_async()
