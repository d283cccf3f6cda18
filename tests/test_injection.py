"""Mention injection: whatever a person types is shown escaped everywhere Firebell shows it.

Every text input gets the same hostile string; then everything Firebell sent to Slack (Web API calls with
their texts, blocks, topics and views, response_url answers, HTTP acks) must hold none of its mentions or
links raw, and must still show it, escaped. plain_text fields are left out: Slack never renders markup there.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.slack import ids
from tests.conftest import Harness, MutableClock

EVIL = "<!channel> <!here> <!subteam^S0EVIL> <@U0EVE> <https://evil.example|click>"
RAW = ("<!channel", "<!here", "<!subteam^S0EVIL", "<@U0EVE", "<https://evil")
ESCAPED = "&lt;!channel&gt; &lt;!here&gt; &lt;!subteam^S0EVIL&gt; &lt;@U0EVE&gt; &lt;https://evil.example|click&gt;"

# No broadcast: a raw <!here> or <!channel> anywhere can only come from what a person typed.
POLICY = """
timezone: Asia/Seoul
default_severity: P1
severities:
  - {id: P1, name: {en: Major, ko: 중대}, ack_within: 1m, resolve_within: 10m, update_every: 5m, escalation: main}
  - {id: P2, name: {en: Minor, ko: 경미}, ack_within: 1h, resolve_within: 1d}
escalation_policies:
  main:
    tiers:
      - {name: L1, users: [UONCALL1], usergroups: [SLEADS], channels: [COPS], wait: 1m}
      - {name: L2, users: [UCTO], wait: 1m}
manager_tier: {name: Managers, users: [UMANAGER], notify: [dm]}
channels: {ops: COPS}
rotations:
  l1:
    layers:
      - {members: [UKIM, ULEE], shift: 1d, handoff_time: "09:00", start: 2026-01-05}
checklists:
  daily:
    title: Daily check
    items: [{text: Backups verified, owner: UOWNER}, {text: Error budget read}]
maintenance:
  notice_before: 30m
  max_duration: 6h
"""

SEOUL = ZoneInfo("Asia/Seoul")
NOON = datetime(2026, 1, 9, 12, 0, tzinfo=SEOUL).astimezone(UTC)


class Recorder:
    """The app, and the HTTP answers it gave (acks can carry text too)."""

    def __init__(self, app: Harness) -> None:
        self.app = app
        self.acks: list[str] = []

    async def keep(self, response: aiohttp.ClientResponse) -> aiohttp.ClientResponse:
        self.acks.append(await response.text())
        return response

    async def command(self, text: str, **kwargs: Any) -> aiohttp.ClientResponse:
        return await self.keep(await self.app.command(text, **kwargs))

    async def click(self, action_id: str, value: str, **kwargs: Any) -> aiohttp.ClientResponse:
        return await self.keep(await self.app.click(action_id, value, **kwargs))

    async def submit(self, values: dict[str, Any], user: str = "UALICE") -> aiohttp.ClientResponse:
        view = self.app.slack.views[-1]
        return await self.keep(await self.app.send_payload(self.app.view_payload(view, values, user=user)))


@pytest.fixture
async def rec(make_harness: Any) -> Recorder:
    return Recorder(await make_harness(policy=POLICY, clock=MutableClock(NOON)))


def _strings(value: Any, out: list[str]) -> None:
    """Every string a reader could see as mrkdwn; JSON sent as a string (form-encoded blocks) is opened."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("[", "{"):
            try:
                _strings(json.loads(stripped), out)
                return
            except ValueError:
                pass
        out.append(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and value.get("type") == "plain_text":
                continue  # plain_text is shown as it is: no mentions, no links
            _strings(item, out)
    elif isinstance(value, list):
        for item in value:
            _strings(item, out)


def everything_sent(rec: Recorder) -> list[str]:
    out: list[str] = []
    for method, args in rec.app.slack.calls:
        _strings({"method": method, **args}, out)
    for answer in rec.app.slack.responses:
        _strings(answer, out)
    for ack in rec.acks:
        _strings(ack, out)
    return out


def assert_escaped_everywhere(rec: Recorder, *, shown: bool = True) -> str:
    """Nothing raw and (unless `shown` is False) the escaped text is there: returns all that was sent, joined."""
    sent = everything_sent(rec)
    raw = [(token, text[:200]) for text in sent for token in RAW if token in text]
    assert not raw, raw
    joined = "\n".join(sent)
    if shown:
        assert "&lt;!channel&gt;" in joined, "the text must still be shown, escaped"
    return joined


async def show_incident(rec: Recorder, number: int = 1) -> None:
    """Every place an incident's texts are shown: answers, the App Home, pages after the ack target."""
    for text in (f"status {number}", "list all", f"timeline {number}"):
        await rec.command(text)
    await rec.app.event({"type": "app_home_opened", "user": "UBOB", "channel": "D1", "tab": "home"})


def incident_channel(rec: Recorder) -> str:
    channel = rec.app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    return str(channel["id"])


def text_values(**fields: str) -> dict[str, Any]:
    return {block: {action: {"type": "plain_text_input", "value": value}} for (block, action), value in (
        (_FIELDS[name], value) for name, value in fields.items())}


_FIELDS = {
    "title": (ids.DECLARE_TITLE_BLOCK, ids.DECLARE_TITLE_ACTION),
    "service": (ids.DECLARE_SERVICE_BLOCK, ids.DECLARE_SERVICE_ACTION),
    "description": (ids.DECLARE_DESCRIPTION_BLOCK, ids.DECLARE_DESCRIPTION_ACTION),
    "update": (ids.UPDATE_TEXT_BLOCK, ids.UPDATE_TEXT_ACTION),
    "reason": (ids.CHECKLIST_NA_REASON_BLOCK, ids.CHECKLIST_NA_REASON_ACTION),
}


def severity_value(severity: str) -> dict[str, Any]:
    return {ids.DECLARE_SEVERITY_BLOCK: {ids.DECLARE_SEVERITY_ACTION: {
        "type": "static_select", "selected_option": {"value": severity}}}}


# --- incidents ---------------------------------------------------------------------------------------------


async def test_declare_command_title(rec: Recorder) -> None:
    response = await rec.command(f"declare P1 {EVIL}")
    assert ESCAPED in (await response.json())["text"], "the ack echoes the title escaped"
    channel = incident_channel(rec)
    topic = rec.app.slack.calls_to("conversations.setTopic")[-1]["topic"]
    assert ESCAPED in topic
    await show_incident(rec)
    await rec.app.tick(minutes=1)  # the first tier is paged: DMs, the channel mention, the ops channel
    await rec.app.tick(minutes=10)  # the resolve target is missed: the managers are told
    joined = assert_escaped_everywhere(rec)
    assert f"Resolve incident #1: {ESCAPED}?" in joined, "the resolve confirm dialog"
    header = next(m.blocks for m in rec.app.slack.posts_in(channel) if m.blocks)[0]
    assert header["type"] == "header" and header["text"]["text"].endswith(f"Incident #1: {EVIL}"), \
        "plain_text shows the title as typed: Slack renders no markup there, so nothing is escaped"
    assert ESCAPED in (rec.app.slack.dms_to("UONCALL1")[0].text or "")
    assert any("<@UONCALL1>" in (m.text or "") and "<!subteam^SLEADS>" in (m.text or "")
               for m in rec.app.slack.posts_in(channel)), "code-built mentions still mention"
    assert any(ESCAPED in (m.text or "") for m in rec.app.slack.posts_in("CFEED"))
    assert ESCAPED in str(rec.app.slack.home_views["UBOB"])


async def test_declare_modal_title_service_and_description(rec: Recorder) -> None:
    await rec.command("declare")
    response = await rec.submit({**text_values(title=EVIL, service=EVIL, description=EVIL), **severity_value("P1")})
    assert response.status == 200
    channel = incident_channel(rec)
    await show_incident(rec)
    await rec.app.tick(minutes=1)
    assert_escaped_everywhere(rec)
    summary = str(next(m.blocks for m in rec.app.slack.posts_in(channel) if m.blocks))
    assert summary.count(ESCAPED) >= 3, "title (confirm), service and description, escaped"


async def test_update_command_and_modal(rec: Recorder) -> None:
    await rec.command("declare P1 Checkout is down")
    channel = incident_channel(rec)
    await rec.command(f"update 1 {EVIL}")
    await rec.click(ids.UPDATE, "1", channel=channel)
    await rec.submit(text_values(update=f"modal {EVIL}"))
    await show_incident(rec)
    assert_escaped_everywhere(rec)
    assert any(f"modal {ESCAPED}" in str(call.get("blocks")) for call in rec.app.slack.calls_to("chat.update"))
    assert any(ESCAPED in (m.text or "") for m in rec.app.slack.posts_in("CFEED")), "the feed thread"


async def test_resolve_summary(rec: Recorder) -> None:
    await rec.command("declare P1 Checkout is down")
    await rec.command(f"resolve 1 {EVIL}")
    await show_incident(rec)
    assert_escaped_everywhere(rec)
    assert any(ESCAPED in (m.text or "") for m in rec.app.slack.posts_in(incident_channel(rec)))


async def test_escalate_reason(rec: Recorder) -> None:
    await rec.command("declare P1 Checkout is down")
    channel = incident_channel(rec)
    await rec.command(f"escalate 1 {EVIL}")
    await show_incident(rec)
    await rec.app.tick(minutes=1)  # the next tier, on the timer
    assert_escaped_everywhere(rec)
    page = rec.app.slack.dms_to("UONCALL1")[0]
    assert ESCAPED in (page.text or "") and ESCAPED in json.dumps(page.blocks)
    mention = [m for m in rec.app.slack.posts_in(channel) if "<@UONCALL1>" in (m.text or "")]
    assert mention and ESCAPED in (mention[0].text or "")
    assert any(ESCAPED in (m.text or "") for m in rec.app.slack.posts_in("COPS"))


async def test_reminder_text(rec: Recorder) -> None:
    await rec.command("declare P1 Checkout is down")
    channel = incident_channel(rec)
    await rec.command(f"remind 30m {EVIL}", channel=channel)
    await rec.command("status 1")
    await rec.app.tick(minutes=30)
    assert_escaped_everywhere(rec)
    assert any(ESCAPED in (m.text or "") for m in rec.app.slack.posts_in(channel)), "the reminder is posted"


# --- maintenance, checklists, on-call ---------------------------------------------------------------------


async def test_maintenance_title_and_services(rec: Recorder) -> None:
    await rec.command(f"schedule 22:00 2h {EVIL} services:<!channel>,<@U0EVE>", command="/maintenance")
    await rec.command("list", command="/maintenance")
    rec.app.clock.current = datetime(2026, 1, 9, 21, 30, tzinfo=SEOUL).astimezone(UTC)
    await rec.app.tick()
    rec.app.clock.current = datetime(2026, 1, 9, 22, 0, tzinfo=SEOUL).astimezone(UTC)
    await rec.app.tick()
    # An incident on a service under maintenance says so, with the window's title.
    await rec.command("declare")
    await rec.submit({**text_values(title="Pages fail", service="<!channel>"), **severity_value("P2")})
    rec.app.clock.current = datetime(2026, 1, 10, 0, 0, tzinfo=SEOUL).astimezone(UTC)
    await rec.app.tick()
    joined = assert_escaped_everywhere(rec)
    assert "services: &lt;!channel&gt;, &lt;@U0EVE&gt;" in joined
    assert any("is in maintenance window" in (m.text or "") for m in rec.app.slack.posts_in(incident_channel(rec)))


async def test_checklist_not_applicable_reason(rec: Recorder) -> None:
    await rec.command("start daily", command="/checklist", channel="COPS")
    await rec.click(ids.CHECKLIST_NA, "1", channel="COPS")
    assert rec.app.slack.views[-1]["callback_id"] == ids.CHECKLIST_NA_VIEW
    item = {ids.CHECKLIST_NA_ITEM_BLOCK: {ids.CHECKLIST_NA_ITEM_ACTION: {
        "type": "static_select", "selected_option": {"value": "1"}}}}
    response = await rec.submit({**item, **text_values(reason=EVIL)}, user="UBOB")
    assert response.status == 200
    await rec.command("status daily", command="/checklist")
    await rec.command("history daily", command="/checklist")
    assert_escaped_everywhere(rec)
    # The note under the item is clipped to Slack's 75 characters, never in the middle of an entity.
    assert any("N/A (<@UBOB>): &lt;!channel&gt; &lt;!here&gt;" in str(call.get("blocks"))
               for call in rec.app.slack.calls_to("chat.update"))


@pytest.mark.parametrize(("command", "text"), [
    ("/incident", EVIL),
    ("/incident", f"severity 1 {EVIL}"),
    ("/incident", f"assign 1 {EVIL}"),
    ("/incident", f"ack {EVIL}"),
    ("/incident", f"remind {EVIL}"),
    ("/incident", f"list {EVIL}"),
    ("/maintenance", f"schedule {EVIL}"),
    ("/maintenance", f"schedule 22:00 {EVIL}"),
    ("/maintenance", f"cancel {EVIL}"),
    ("/maintenance", EVIL),
    ("/checklist", f"start {EVIL}"),
    ("/checklist", f"history {EVIL}"),
    ("/oncall", EVIL),
    ("/oncall", f"override {EVIL} <@UKIM> 2h"),
    ("/oncall", f"override l1 <@UKIM> until {EVIL}"),
    ("/oncall", f"swap l1 <@UKIM> {EVIL}"),
])
async def test_answers_that_echo_what_was_typed(rec: Recorder, command: str, text: str) -> None:
    """Refusals quote (some of) the words they did not understand: escaped too."""
    await rec.command("declare P2 Checkout is down")
    answers = len(rec.app.slack.responses)
    response = await rec.command(text, command=command, user="UKIM")
    assert response.status == 200
    assert len(rec.app.slack.responses) > answers or (await response.text()), "the person is answered"
    assert_escaped_everywhere(rec, shown=False)
