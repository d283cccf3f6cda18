"""The demo's server without a browser: the page's requests reach the real bot through signed
/slack/events requests, the clock moves the bot's timers, and a P0 replays from declare to resolve."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.demo.server import add_routes
from bot.demo.world import World, attach_person, build_world


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[tuple[World, str, aiohttp.ClientSession]]:
    world = await build_world(locale="en", db_file=str(tmp_path / "demo.db"), start_scheduler=False)
    add_routes(world.firebell.web, world)
    server = TestServer(world.firebell.web, host="127.0.0.1")
    await server.start_server()
    attach_person(world, str(server.make_url("/slack/events")))
    http = aiohttp.ClientSession()
    yield world, str(server.make_url("/")).rstrip("/"), http
    await http.close()
    await server.close()
    await world.close()


async def post(http: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> dict[str, Any]:
    async with http.post(url, json=body) as response:
        assert response.status == 200, await response.text()
        return dict(await response.json())


async def text(http: aiohttp.ClientSession, url: str) -> str:
    async with http.get(url) as response:
        assert response.status == 200
        return await response.text()


async def test_declare_page_ack_and_check_through_the_signed_path(demo: Any) -> None:
    world, base, http = demo
    await post(http, f"{base}/demo/command", {"as": "USORA", "channel": "CGENERAL",
                                              "text": "/incident declare P0 Checkout is down"})
    channel = world.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    state = await (await http.get(f"{base}/demo/state?as=USORA")).json()
    assert channel["id"] in [c["id"] for c in state["channels"]]
    assert "Incident #1: Checkout is down" in await text(http, f"{base}/demo/pane?as=USORA&channel=CFEED")
    assert any(call for call in world.slack.calls_to("chat.postMessage")), "the bot really posted"

    answer = await post(http, f"{base}/demo/clock", {"step": "5m"})  # past the 2-minute acknowledge target
    assert any("escalate incident 1: paged" in line["text"] for line in answer["clock"]["log"])
    assert "Page: incident #1" in await text(http, f"{base}/demo/pane?as=UMINJI&channel=UMINJI")

    live = next(m for m in world.slack.posts_in(channel["id"]) if m.blocks and "Incident #1" in str(m.blocks))
    await post(http, f"{base}/demo/action", {"as": "UMINJI", "surface": "message", "channel": channel["id"],
                                             "ts": live.ts, "block_id": "incident.actions:1",
                                             "action_id": "incident.ack"})
    incident = await world.firebell.services.incidents.get(1)
    assert incident.status == "acknowledged" and incident.acknowledged_by == "UMINJI"

    # "Post update" opens the update form in front of the person who pressed it; submitting it posts the update.
    await post(http, f"{base}/demo/action", {"as": "UMINJI", "surface": "message", "channel": channel["id"],
                                             "ts": live.ts, "block_id": "incident.actions:1",
                                             "action_id": "incident.update"})
    assert "bk-text-input" in await text(http, f"{base}/demo/modal?as=UMINJI")
    assert await text(http, f"{base}/demo/modal?as=USORA") == ""
    assert (await post(http, f"{base}/demo/submit", {"as": "UMINJI", "values": {
        "update": {"update_input": "Rolled back the deploy"}}}))["ok"] is True
    assert "Rolled back the deploy" in await text(http, f"{base}/demo/pane?as=USORA&channel={channel['id']}")

    checklist = next(m for m in world.slack.posts_in(channel["id"]) if "checklist.toggle" in str(m.blocks))
    block = next(b for b in checklist.blocks or [] if "checklist.toggle" in str(b))
    await post(http, f"{base}/demo/action", {"as": "UMINJI", "surface": "message", "channel": channel["id"],
                                             "ts": checklist.ts, "block_id": block["block_id"],
                                             "action_id": "checklist.toggle", "selected": ["0"]})
    assert "1/4" in str(world.slack.messages[(channel["id"], checklist.ts)].blocks)


async def test_forms_errors_private_answers_dm_help_and_home(demo: Any) -> None:
    world, base, http = demo
    await post(http, f"{base}/demo/command", {"as": "UDAVID", "channel": "CGENERAL", "text": "/incident declare"})
    assert "Declare an incident" in await text(http, f"{base}/demo/modal?as=UDAVID")
    refused = await post(http, f"{base}/demo/submit", {"as": "UDAVID", "values": {}})
    assert refused["ok"] is False and "title" in refused["errors"]
    accepted = await post(http, f"{base}/demo/submit", {"as": "UDAVID", "values": {
        "title": {"title_input": "Search is slow"}, "severity": {"severity_select": "P1"}}})
    assert accepted["ok"] is True and "UDAVID" not in world.slack.modals
    assert (await world.firebell.services.incidents.get(1)).severity == "P1"

    await post(http, f"{base}/demo/command", {"as": "UDAVID", "channel": "CGENERAL", "text": "/incident nonsense"})
    pane = await text(http, f"{base}/demo/pane?as=UDAVID&channel=CGENERAL")
    assert "Only visible to you" in pane
    assert "Only visible to you" not in await text(http, f"{base}/demo/pane?as=USORA&channel=CGENERAL")

    await post(http, f"{base}/demo/command", {"as": "UDAVID", "channel": "UDAVID", "text": "hi there"})
    assert "/incident declare" in await text(http, f"{base}/demo/pane?as=UDAVID&channel=UDAVID")

    await post(http, f"{base}/demo/home", {"as": "UDAVID"})
    assert "Search is slow" in await text(http, f"{base}/demo/pane?as=UDAVID&channel=home")


async def test_replay_plays_a_p0_to_the_end(demo: Any) -> None:
    world, base, http = demo
    assert (await post(http, f"{base}/demo/replay", {}))["ok"] is True
    assert (await post(http, f"{base}/demo/replay", {}))["ok"] is False, "one replay at a time"
    assert world.replaying is not None
    await asyncio.wait_for(world.replaying, 60)
    incident = await world.firebell.services.incidents.get(1)
    assert incident.status == "resolved" and incident.severity == "P0"
    log = [line.text for line in world.scheduler_log]
    assert "replay: done" in log and any("escalate incident 1: paged" in line for line in log)
    assert not any("(late)" in line for line in log), "the clock stops at each timer on the way"


async def test_bad_requests_get_a_4xx(demo: Any) -> None:
    _world, base, http = demo
    async with http.post(f"{base}/demo/command", json={"as": "UNOBODY", "text": "x"}) as response:
        assert response.status == 400
    async with http.post(f"{base}/demo/clock", json={"step": "1y"}) as response:
        assert response.status == 400
    async with http.post(f"{base}/demo/action", data=b"not json") as response:
        assert response.status == 400
    async with http.get(f"{base}/static/../cli.py") as response:
        assert response.status == 404
