"""The stand-in with a workspace in it: people, user groups, channels, what each person sees, and a
stream of changes.

`FakeSlack` (api.py) answers the Web API the bot calls. `StandinWorkspace` adds what a person in a real
workspace would see and what `firebell doctor` asks about: people (`users.info`), channels
(`conversations.info`), the token's scopes (`x-oauth-scopes` on `auth.test`), ephemeral messages and
response_url answers addressed to one person, the modal each person has open, and messages people write.
Every change is told to its listeners (the demo page's server-sent events).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.clock import Clock, SystemClock
from bot.slack.standin.api import BOT_USER, FakeSlack, Message
from bot.slack.tokencheck import MANIFEST_SCOPES

Listener = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    title: str = ""


@dataclass
class Private:
    """A message only one person sees: an ephemeral post or a response_url answer."""

    user: str
    channel: str
    ts: str
    text: str | None
    blocks: list[dict[str, Any]] | None


class StandinWorkspace(FakeSlack):
    def __init__(self, *, clock: Clock | None = None, scopes: tuple[str, ...] | None = MANIFEST_SCOPES) -> None:
        super().__init__()
        # What `auth.test` reports as granted (x-oauth-scopes): the manifest's scopes unless told otherwise.
        self.clock = clock or SystemClock()
        self.scopes = scopes
        self.people: dict[str, Person] = {BOT_USER: Person(BOT_USER, "firebell", "app")}
        self.privates: list[Private] = []
        self.modals: dict[str, dict[str, Any]] = {}  # user -> the view open in front of them
        self.trigger_users: dict[str, str] = {}  # trigger_id -> who caused it (the demo sends them)
        self.response_targets: dict[str, tuple[str, str]] = {}  # response_url name -> (user, channel)
        self.authors: dict[tuple[str, str], str] = {}  # (channel, ts) -> the person who wrote it
        self.listeners: list[Listener] = []
        self._serial = itertools.count(1)

    # --- set-up -----------------------------------------------------------------------------------------

    def add_person(self, user_id: str, name: str, title: str = "") -> None:
        self.people[user_id] = Person(user_id, name, title)

    def add_usergroup(self, group_id: str, members: list[str]) -> None:
        self.usergroups[group_id] = list(members)

    # --- what people see ------------------------------------------------------------------------------

    def _changed(self, what: str, detail: dict[str, Any]) -> None:
        for listener in list(self.listeners):
            listener(what, detail)

    def _next_ts(self) -> str:
        # Timestamps follow the (possibly fast-forwarded) clock; the serial keeps them unique.
        seconds = int(self.clock.now().timestamp())
        return f"{seconds}.{next(self._serial) % 1_000_000:06d}"

    def write(self, user: str, channel: str, text: str, thread_ts: str | None = None) -> Message:
        """A message a person writes (the demo's composer)."""
        ts = self._next_ts()
        message = Message(channel, ts, text, None, thread_ts)
        self.messages[(channel, ts)] = message
        self.authors[(channel, ts)] = user
        self._changed("message", {"channel": channel, "ts": ts})
        return message

    def tell_privately(self, user: str, channel: str, text: str | None, blocks: list[dict[str, Any]] | None) -> None:
        """A message only `user` sees in `channel` (what the bot put in its acknowledgement, say)."""
        self.privates.append(Private(user, channel, self._next_ts(), text, blocks))
        self._changed("private", {"user": user, "channel": channel})

    def timeline(self, channel: str) -> list[Message]:
        return sorted((m for m in self.messages.values() if m.channel == channel), key=lambda m: float(m.ts))

    def privates_for(self, user: str, channel: str) -> list[Private]:
        return [p for p in self.privates if p.user == user and p.channel == channel]

    # --- the server: every call may change what people see ---------------------------------------------------

    async def _api(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        method = request.match_info["method"]
        response = await super()._api(request)
        if method == "auth.test" and self.scopes is not None:
            response.headers["x-oauth-scopes"] = ",".join(self.scopes)
        if method not in ("auth.test", "conversations.history", "users.info", "conversations.info",
                          "usergroups.users.list", "conversations.open"):
            self._changed("api", {"method": method})
        return response

    async def _respond(self, request: web.Request) -> web.Response:  # type: ignore[override]
        response = await super()._respond(request)
        if response.status < 400 and self.responses:
            payload = self.responses[-1]
            target = self.response_targets.get(str(payload.get("_name")))
            if target is not None:
                self.privates.append(Private(target[0], target[1], self._next_ts(), payload.get("text"),
                                             payload.get("blocks")))
                self._changed("private", {"user": target[0], "channel": target[1]})
        return response

    # --- Web API methods the workspace adds ----------------------------------------------------------------

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        result = super()._chat_postEphemeral(args)
        if "error" not in result:
            text, blocks = self._message_content(args)
            self.privates.append(Private(str(args.get("user", "")), str(args.get("channel", "")),
                                         str(result["message_ts"]), text, blocks))
        return result

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        result = super()._views_open(args)
        user = self.trigger_users.get(str(args.get("trigger_id", "")))
        if user is not None:
            self.modals[user] = result["view"]
        return result

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        person = self.people.get(str(args.get("user", "")))
        if person is None:
            return {"error": "user_not_found"}
        return {"user": {"id": person.id, "name": person.name, "real_name": person.name,
                         "is_bot": person.id == BOT_USER, "profile": {"title": person.title}}}

    def _users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"members": [self._users_info({"user": user})["user"] for user in self.people]}

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        if channel is None:
            return {"error": "channel_not_found"}
        return {"channel": {"id": channel["id"], "name": channel["name"], "is_channel": True,
                            "is_private": False, "is_archived": False, "is_member": BOT_USER in channel["members"],
                            "topic": {"value": channel["topic"]}}}

    def _conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"channels": [self._conversations_info({"channel": c})["channel"] for c in self.channels],
                "response_metadata": {"next_cursor": ""}}
