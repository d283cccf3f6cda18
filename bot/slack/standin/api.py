"""A fake Slack Web API that tests own: records calls, answers like Slack, enforces its rules.

It validates every Block Kit payload it receives with slack_sdk.models, applies Slack's channel-name
rules, keeps channel membership (so `not_in_channel` happens for real) and can inject failures:
429 with Retry-After, Slack error codes, or HTTP 500s.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import re
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.slack.standin.blockkit import BlockKitError, validate_blocks, validate_view
from bot.slack.standin.extras import ChannelExtras
from bot.slack.standin.files import FileUploads
from bot.slack.standin.limits import RateLimits
from bot.slack.standin.socket import SocketModeStandIn

__all__ = ["BOT_TOKEN", "BOT_USER", "BlockKitError", "FakeSlack", "validate_blocks", "validate_view"]

BOT_USER = "UFIREBELL"
BOT_TOKEN = "xoxb-test-token-1234567890"
_CHANNEL_NAME = re.compile(r"^[a-z0-9_\-]{1,80}$")


@dataclass
class Injected:
    error: str
    status: int = 200
    retry_after: int | None = None


@dataclass
class Message:
    channel: str
    ts: str
    text: str | None
    blocks: list[dict[str, Any]] | None
    thread_ts: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] | None = None
    user: str | None = None  # a person's message (`say`); None for the bot's own posts


class FakeSlack(FileUploads, ChannelExtras):
    def __init__(self) -> None:
        self._init_files()  # files.getUploadURLExternal / completeUploadExternal (files.py)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.channels: dict[str, dict[str, Any]] = {}
        self.messages: dict[tuple[str, str], Message] = {}
        self.responses: list[dict[str, Any]] = []  # posted to response_urls
        self.views: list[dict[str, Any]] = []
        self.home_views: dict[str, dict[str, Any]] = {}
        self.failures: defaultdict[str, deque[Injected]] = defaultdict(deque)
        self.block_errors: list[str] = []
        self._ids = itertools.count(1)
        self._ts = itertools.count(1)
        self.server: TestServer | None = None
        self.add_channel("CFEED", "incidents", members=set())
        self.add_channel("COPS", "ops", members={BOT_USER})
        self.usergroups: dict[str, list[str]] = {"SLEADS": ["ULEAD1", "ULEAD2"]}
        # A DM to one of these users fails with the given Slack error.
        self.dm_errors: dict[str, str] = {"UGONE": "user_not_found", "UBOT2": "cannot_dm_bot"}
        # Faults for whole periods: every call answered with this HTTP status, or a share of calls failing.
        self.down_status: int | None = None
        self.random_faults: list[tuple[float, int]] = []
        self.random = random.Random(7)
        # Methods whose next call is carried out but whose answer never arrives (a lost response).
        self.lose_answers: defaultdict[str, int] = defaultdict(int)
        # Slack's rate limits (429s once `enforce_rate_limits` is called); seconds a method takes to answer.
        self.rate_limits: RateLimits | None = None
        self.delays: dict[str, float] = {}
        self.socket_mode = SocketModeStandIn()

    # --- set-up helpers for tests -----------------------------------------------------------------

    def add_channel(self, channel_id: str, name: str, members: set[str] | None = None) -> None:
        self.channels[channel_id] = {"id": channel_id, "name": name, "members": set(members or ()), "topic": ""}

    def fail(self, method: str, error: str, *, times: int = 1, status: int = 200,
             retry_after: int | None = None) -> None:
        for _ in range(times):
            self.failures[method].append(Injected(error, status, retry_after))

    def enforce_rate_limits(self, scale: float = 1.0) -> RateLimits:
        """Answer 429 when a method's tier or a channel's posts go faster than Slack allows (at `scale`)."""
        self.rate_limits = RateLimits(scale)
        return self.rate_limits

    def go_down(self, status: int = 503) -> None:
        """Slack answers every call with `status` until `come_back()`."""
        self.down_status = status

    def come_back(self) -> None:
        self.down_status = None

    def flaky(self, *faults: tuple[float, int]) -> None:
        """Each call fails with (probability, status), e.g. (0.3, 429), (0.05, 500); none to stop."""
        self.random_faults = list(faults)

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/api/"))

    def response_url(self, name: str = "cmd") -> str:
        assert self.server is not None
        return str(self.server.make_url(f"/respond/{name}"))

    # --- queries for assertions -------------------------------------------------------------------

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [args for name, args in self.calls if name == method]

    def posts_in(self, channel: str) -> list[Message]:
        return [m for m in self.messages.values() if m.channel == channel]

    def dms_to(self, user: str) -> list[Message]:
        return [m for m in self.messages.values() if m.channel == user]

    def channel_by_name_prefix(self, prefix: str) -> dict[str, Any] | None:
        return next((c for c in self.channels.values() if c["name"].startswith(prefix)), None)

    def response_texts(self) -> list[str]:
        return [str(r.get("text", "")) for r in self.responses]

    # --- the server -------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        self.socket_mode.add_routes(app)  # before the generic route: apps.connections.open takes the app token
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/respond/{name}", self._respond)
        self.add_file_routes(app)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    async def _respond(self, request: web.Request) -> web.Response:
        payload = await request.json()
        if payload.get("blocks") is not None:
            try:
                validate_blocks(payload["blocks"])
            except Exception as exc:
                self.block_errors.append(f"response_url: {exc}")
                return web.Response(status=400, text="invalid_blocks")
        payload["_name"] = request.match_info["name"]
        self.responses.append(payload)
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            args = await request.json()
        else:
            args = dict(parse_qsl(await request.text()))
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip() or args.pop("token", "")
        self.calls.append((method, args))
        if token != BOT_TOKEN:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if self.down_status is not None:
            return web.Response(status=self.down_status, text="slack is down")
        roll = self.random.random()
        for probability, status in self.random_faults:
            if roll < probability:
                if status == 429:
                    return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                             headers={"Retry-After": "1"})
                return web.Response(status=status, text="upstream trouble")
            roll -= probability
        if self.delays.get(method):
            await asyncio.sleep(self.delays[method])
        if self.rate_limits is not None and (wait := await self.rate_limits.admit(method, args)) is not None:
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": str(wait)})
        if self.failures[method]:
            injected = self.failures[method].popleft()
            if injected.error == "disconnect":
                # A network failure: the connection drops without an answer.
                assert request.transport is not None
                request.transport.abort()
                return web.Response(status=500)
            headers = {"Retry-After": str(injected.retry_after)} if injected.retry_after is not None else {}
            if injected.status >= 500:
                return web.Response(status=injected.status, text="upstream trouble", headers=headers)
            return web.json_response({"ok": False, "error": injected.error}, status=injected.status,
                                     headers=headers)
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        try:
            result = handler(args)
            if asyncio.iscoroutine(result):
                result = await result
        except BlockKitError as exc:
            self.block_errors.append(f"{method}: {exc}")
            return web.json_response({"ok": False, "error": "invalid_blocks", "detail": str(exc)})
        if "error" in result:
            return web.json_response({"ok": False, **result})
        if self.lose_answers[method] > 0:
            self.lose_answers[method] -= 1
            assert request.transport is not None
            request.transport.abort()  # done, but the caller never hears so
            return web.Response(status=500)
        return web.json_response({"ok": True, **result})

    # --- Web API methods ----------------------------------------------------------------------------

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": "https://test.slack.com/", "team": "Test", "user": "firebell", "team_id": "T0001",
                "user_id": BOT_USER, "bot_id": "B0001"}

    def _conversations_create(self, args: dict[str, Any]) -> dict[str, Any]:
        name = str(args.get("name", ""))
        if len(name) > 80:
            return {"error": "invalid_name_maxlength"}
        if not _CHANNEL_NAME.match(name):
            return {"error": "invalid_name_specials"}
        if any(c["name"] == name for c in self.channels.values()):
            return {"error": "name_taken"}
        channel_id = f"CINC{next(self._ids):04d}"
        self.add_channel(channel_id, name, members={BOT_USER})
        return {"channel": {"id": channel_id, "name": name, "is_channel": True}}

    def _channel(self, args: dict[str, Any]) -> dict[str, Any] | None:
        return self.channels.get(str(args.get("channel", "")))

    def _conversations_invite(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        if channel is None:
            return {"error": "channel_not_found"}
        if BOT_USER not in channel["members"]:
            return {"error": "not_in_channel"}
        users = [u for u in str(args.get("users", "")).split(",") if u]
        if not users or any(not re.match(r"^[UW][A-Z0-9]+$", u) for u in users):
            return {"error": "user_not_found"}
        if len(users) == 1 and users[0] in channel["members"]:
            return {"error": "already_in_channel"}
        channel["members"].update(users)
        return {"channel": {"id": channel["id"]}}

    def _conversations_setTopic(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        if channel is None:
            return {"error": "channel_not_found"}
        topic = str(args.get("topic", ""))
        if len(topic) > 250:
            return {"error": "too_long"}
        channel["topic"] = topic
        return {"channel": {"id": channel["id"], "topic": {"value": topic}}}

    def _conversations_join(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        if channel is None:
            return {"error": "channel_not_found"}
        channel["members"].add(BOT_USER)
        return {"channel": {"id": channel["id"]}}

    def _check_post_target(self, args: dict[str, Any]) -> dict[str, Any] | None:
        target = str(args.get("channel", ""))
        if target in self.dm_errors:
            return {"error": self.dm_errors[target]}
        if target.startswith(("U", "W", "D")):
            return None  # a DM: the bot may always write to a person
        channel = self.channels.get(target)
        if channel is None:
            return {"error": "channel_not_found"}
        if BOT_USER not in channel["members"]:
            return {"error": "not_in_channel"}
        if channel.get("archived"):
            return {"error": "is_archived"}
        return None

    def _message_content(self, args: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]] | None]:
        blocks = args.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if blocks is not None:
            validate_blocks(blocks)
        text = args.get("text")
        if not text and not blocks:
            raise BlockKitError("no_text")
        if text and len(text) > 40000:
            raise BlockKitError("msg_too_long")
        return text, blocks

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        problem = self._check_post_target(args)
        if problem:
            return problem
        text, blocks = self._message_content(args)
        ts = self._next_ts()
        channel = str(args["channel"])
        metadata = args.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        self.messages[(channel, ts)] = Message(channel, ts, text, blocks, args.get("thread_ts"), metadata=metadata)
        return {"channel": channel, "ts": ts, "message": {"text": text, "ts": ts}}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        # The fake keeps a DM under the user's id, so the DM channel is named like the user.
        return {"channel": {"id": str(args.get("users", ""))}}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if not channel.startswith(("U", "W", "D")) and channel not in self.channels:
            return {"error": "channel_not_found"}
        latest, inclusive = args.get("latest"), str(args.get("inclusive", "")).lower() in ("1", "true")
        found = sorted((m for m in self.messages.values() if m.channel == channel
                        and (latest is None or float(m.ts) < float(latest) or (inclusive and m.ts == latest))),
                       key=lambda m: float(m.ts), reverse=True)[: int(args.get("limit", 100))]
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        return {"messages": [{"ts": m.ts, "text": m.text, **({"user": m.user} if m.user else {}),
                              **({"metadata": m.metadata} if with_metadata and m.metadata else {})}
                             for m in found]}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args.get("channel", "")), str(args.get("ts", "")))
        message = self.messages.get(key)
        if message is None:
            return {"error": "message_not_found"}
        text, blocks = self._message_content(args)
        message.history.append({"text": message.text, "blocks": message.blocks})
        message.text, message.blocks = text, blocks
        return {"channel": key[0], "ts": key[1]}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        problem = self._check_post_target(args)
        if problem:
            return problem
        self._message_content(args)
        return {"message_ts": self._next_ts()}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"error": "invalid_trigger_id"}
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        validate_view(view)
        self.views.append(view)
        return {"view": {"id": f"V{next(self._ids):04d}", **view}}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        validate_view(view)
        self.home_views[str(args.get("user_id"))] = view
        return {"view": {"id": f"V{next(self._ids):04d}", **view}}

    def _usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        group = str(args.get("usergroup", ""))
        if group not in self.usergroups:
            return {"error": "no_such_subteam"}
        return {"users": list(self.usergroups[group])}

    def _usergroups_users_update(self, args: dict[str, Any]) -> dict[str, Any]:
        group = str(args.get("usergroup", ""))
        if group not in self.usergroups:
            return {"error": "no_such_subteam"}
        users = [u for u in str(args.get("users", "")).split(",") if u]
        if not users:
            return {"error": "invalid_users"}
        self.usergroups[group] = users
        return {"usergroup": {"id": group, "users": users}}
