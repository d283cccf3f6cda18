"""What a person does in Slack, sent to the bot the way Slack sends it: signed, over HTTP, to /slack/events.

Slash commands, button presses, checkbox and select changes, modal submissions, App Home opens and DMs.
Each request carries a trigger id and a response_url of the stand-in that remember who acted, so the
bot's modals and private answers appear in front of the right person.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from bot.slack.standin.api import BOT_USER
from bot.slack.standin.workspace import StandinWorkspace

TEAM = {"id": "T0DEMO", "domain": "demo"}


class Person:
    """Sends what people do to the bot's request URL, signed with its signing secret."""

    def __init__(self, slack: StandinWorkspace, events_url: str, signing_secret: str,
                 http: aiohttp.ClientSession) -> None:
        self.slack = slack
        self.events_url = events_url
        self.verifier = SignatureVerifier(signing_secret)
        self.http = http
        self._serial = itertools.count(1)

    # --- the signed path ---------------------------------------------------------------------------------

    async def _send(self, body: str, content_type: str) -> tuple[int, dict[str, Any]]:
        ts = str(int(time.time()))  # the signature is checked against the real time, not the demo's
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
                   "X-Slack-Signature": self.verifier.generate_signature(timestamp=ts, body=body)}
        async with self.http.post(self.events_url, data=body.encode(), headers=headers) as response:
            raw = await response.text()
            try:
                answer = json.loads(raw) if raw else {}
            except json.JSONDecodeError:
                answer = {"text": raw}
            return response.status, answer if isinstance(answer, dict) else {}

    def _trigger(self, user: str, channel: str) -> tuple[str, str]:
        """A trigger id and a response_url, both remembered as this person's in this channel."""
        serial = next(self._serial)
        trigger = f"{serial}.{uuid.uuid4().hex[:10]}"
        name = f"r{serial}"
        self.slack.trigger_users[trigger] = user
        self.slack.response_targets[name] = (user, channel)
        return trigger, self.slack.response_url(name)

    def _ack_answer(self, user: str, channel: str, status: int, answer: dict[str, Any]) -> None:
        """What the bot put in its acknowledgement is shown to the person, as Slack shows it."""
        if status >= 400:
            self.slack.tell_privately(user, channel, f"The bot answered HTTP {status}: {answer}", None)
        elif answer.get("text") or answer.get("blocks"):
            self.slack.tell_privately(user, channel, answer.get("text"), answer.get("blocks"))

    def _payload(self, kind: str, user: str, **fields: Any) -> dict[str, Any]:
        return {"type": kind, "team": TEAM, "user": {"id": user, "username": user.lower(), "team_id": TEAM["id"]},
                "api_app_id": "A0DEMO", "token": "unused", **fields}

    async def _interact(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return await self._send(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    # --- what people do -------------------------------------------------------------------------------------

    async def command(self, user: str, channel: str, text: str) -> None:
        command, _, rest = text.strip().partition(" ")
        trigger, response_url = self._trigger(user, channel)
        body = urlencode({
            "token": "unused", "team_id": TEAM["id"], "team_domain": TEAM["domain"], "channel_id": channel,
            "channel_name": self.slack.channels.get(channel, {}).get("name", "directmessage"),
            "user_id": user, "user_name": user.lower(), "command": command, "text": rest.strip(),
            "api_app_id": "A0DEMO", "response_url": response_url, "trigger_id": trigger,
        })
        status, answer = await self._send(body, "application/x-www-form-urlencoded")
        self._ack_answer(user, channel, status, answer)

    async def message(self, user: str, channel: str, text: str) -> None:
        """A message a person writes; in their DM with the bot it is also an event the bot receives."""
        written = self.slack.write(user, channel, text)
        if channel != user:
            return  # the bot does not subscribe to channel messages
        await self._event({"type": "message", "channel_type": "im", "user": user, "text": text, "ts": written.ts,
                           "channel": user, "event_ts": written.ts})

    async def open_home(self, user: str) -> None:
        await self._event({"type": "app_home_opened", "user": user, "channel": user, "tab": "home",
                           "event_ts": f"{time.time():.6f}"})

    async def _event(self, event: dict[str, Any]) -> None:
        envelope = {"token": "unused", "team_id": TEAM["id"], "api_app_id": "A0DEMO", "event": event,
                    "type": "event_callback", "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
                    "event_time": int(time.time()),
                    "authorizations": [{"team_id": TEAM["id"], "user_id": BOT_USER, "is_bot": True}]}
        await self._send(json.dumps(envelope), "application/json")

    async def act(self, user: str, container: dict[str, Any], action: dict[str, Any]) -> None:
        """A button, checkbox or select on a message (`container.channel`/`ts`) or a view (`view_id`)."""
        channel = str(container.get("channel") or user)
        trigger, response_url = self._trigger(user, channel)
        action = {**action, "action_ts": f"{time.time():.6f}"}
        fields: dict[str, Any] = {"trigger_id": trigger, "actions": [action]}
        if container.get("ts"):
            message = self.slack.messages.get((channel, str(container["ts"])))
            fields.update({
                "container": {"type": "message", "message_ts": container["ts"], "channel_id": channel},
                "channel": {"id": channel, "name": self.slack.channels.get(channel, {}).get("name", "directmessage")},
                "message": {"type": "message", "ts": container["ts"], "text": message.text if message else "",
                            "blocks": (message.blocks if message else None) or []},
                "response_url": response_url,
            })
        else:
            view = container.get("view") or {}
            fields.update({"container": {"type": "view", "view_id": view.get("id")}, "view": view})
        status, answer = await self._interact(self._payload("block_actions", user, **fields))
        self._ack_answer(user, channel, status, answer)

    async def submit(self, user: str, view: dict[str, Any], values: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """A modal submitted; the bot's answer (`response_action: errors`) comes back to show."""
        trigger, _ = self._trigger(user, user)
        payload = self._payload("view_submission", user, trigger_id=trigger, response_urls=[], view={
            **view, "team_id": TEAM["id"], "state": {"values": values}, "hash": f"{time.time():.6f}"})
        status, answer = await self._interact(payload)
        if status >= 400:
            return {"response_action": "errors", "errors": {"": f"HTTP {status}"}}
        return answer
