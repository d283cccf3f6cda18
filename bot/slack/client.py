"""The one door from the domain to Slack.

Domain code calls the `Notifier` protocol; `SlackNotifier` implements it with slack_sdk's
AsyncWebClient, whose retry handlers honour 429 + Retry-After and retry connection errors.
Failures that survive the retries surface as `SlackCallFailed` with Slack's error code.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.errors import SlackCallFailed
from bot.logging import get_logger
from bot.metrics import count_pace_wait, count_slack_call, count_slack_retry
from bot.slack.pace import SlackPace

log = get_logger(__name__)

# The metadata event type that carries an outbox delivery key on the messages Firebell posts.
DELIVERY_EVENT = "firebell_delivery"
# Seconds one Slack call (or one response_url post) may take, retries by the client's handlers aside.
SLACK_TIMEOUT = 10


@dataclass(frozen=True)
class ReplyTarget:
    """Where to answer the person who asked: their response_url, or ephemerally in a channel."""

    user_id: str
    channel_id: str | None = None
    response_url: str | None = None


class Notifier(Protocol):
    async def create_channel(self, name: str, *, private: bool = False) -> str: ...

    async def archive_channel(self, channel_id: str, *, archive: bool = True) -> None: ...

    async def message_at(self, channel_id: str, ts: str) -> dict[str, Any] | None: ...

    async def invite(self, channel_id: str, user_ids: list[str]) -> None: ...

    async def set_topic(self, channel_id: str, topic: str) -> None: ...

    async def post(
        self, channel_id: str, text: str, blocks: list[dict[str, Any]] | None = None, thread_ts: str | None = None,
        *, delivery_key: str | None = None,
    ) -> str: ...

    async def find_delivered(self, channel_id: str, delivery_key: str) -> str | None: ...

    async def edit_message(
        self, channel_id: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None: ...

    async def tell(self, target: ReplyTarget, text: str, blocks: list[dict[str, Any]] | None = None) -> None: ...

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> None: ...

    async def usergroup_members(self, group_id: str) -> list[str]: ...

    async def set_usergroup_members(self, group_id: str, user_ids: list[str]) -> None: ...

    async def publish_home(self, user_id: str, view: dict[str, Any]) -> None: ...


class PacedWebClient(AsyncWebClient):
    """An AsyncWebClient whose every call first waits its turn in the shared `SlackPace`, so Bolt's calls,
    the services' and the outbox's all keep to one pace per method and per channel."""

    pace: SlackPace = SlackPace(scale=0)

    async def api_call(self, api_method: str, *, http_verb: str = "POST", files: dict[str, Any] | None = None,
                       data: Any = None, params: dict[str, Any] | None = None, json: dict[str, Any] | None = None,
                       headers: dict[str, Any] | None = None, auth: dict[str, Any] | None = None) -> Any:
        args = json if json is not None else data if isinstance(data, dict) else params
        count_pace_wait(api_method, await self.pace.wait(api_method, args))
        try:
            response = await super().api_call(api_method, http_verb=http_verb, files=files, data=data,
                                              params=params, json=json, headers=headers, auth=auth)
        except SlackApiError as exc:
            error = exc.response.data.get("error") if isinstance(exc.response.data, dict) else None
            count_slack_call(api_method, str(error or f"http_{exc.response.status_code}"))
            raise
        except Exception:
            count_slack_call(api_method, "connection_error")
            raise
        count_slack_call(api_method, "ok")
        return response


class _CountedRetries(AsyncRetryHandler):
    """A retry handler that counts the retries it grants (firebell_slack_retries), by method and reason."""

    def __init__(self, inner: AsyncRetryHandler, reason: str) -> None:
        super().__init__(max_retry_count=inner.max_retry_count, interval_calculator=inner.interval_calculator)
        self.inner = inner
        self.reason = reason

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                               error: Exception | None = None) -> bool:
        granted = await self.inner._can_retry_async(state=state, request=request, response=response, error=error)
        if granted:
            count_slack_retry(request.url.rstrip("/").rsplit("/", 1)[-1], self.reason)
        return granted

    async def prepare_for_next_attempt_async(self, *, state: RetryState, request: HttpRequest,
                                             response: HttpResponse | None = None,
                                             error: Exception | None = None) -> None:
        await self.inner.prepare_for_next_attempt_async(state=state, request=request, response=response,
                                                        error=error)


def _counted(handlers: list[AsyncRetryHandler]) -> list[AsyncRetryHandler]:
    reasons = {AsyncConnectionErrorRetryHandler: "connection", AsyncRateLimitErrorRetryHandler: "rate_limited",
               AsyncServerErrorRetryHandler: "server_error"}
    return [_CountedRetries(handler, next((reason for kind, reason in reasons.items() if isinstance(handler, kind)),
                                          "other")) for handler in handlers]


def build_web_client(token: str, base_url: str | None, *,
                     session: aiohttp.ClientSession | None = None, pace: SlackPace | None = None) -> AsyncWebClient:
    """The one Web API client. Its calls share one aiohttp session (connections kept alive and reused),
    opened here when a loop is running and closed with `close_web_client`; without a loop slack_sdk falls
    back to a session per call. Bolt's per-request clients reuse the same session.

    slack_sdk applies its timeout only to sessions it opens itself, so the shared one carries it."""
    if session is None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SLACK_TIMEOUT))
    kwargs: dict[str, Any] = {"token": token, "timeout": SLACK_TIMEOUT, "session": session}
    if base_url:
        kwargs["base_url"] = base_url
    client = PacedWebClient(**kwargs)
    if pace is not None:
        client.pace = pace
    client.retry_handlers = _counted([
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ])
    return client


async def close_web_client(client: AsyncWebClient) -> None:
    """Close the client's shared HTTP session (at shutdown, after the last call)."""
    session = client.session
    if session is not None and not session.closed:
        await session.close()


class _ResendUnlessPosted(AsyncConnectionErrorRetryHandler):
    """Re-sends a call whose connection broke, except a post: Slack may have posted it already, and the
    outbox's retry looks for it first (message metadata), which a blind re-send would not."""

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                               error: Exception | None = None) -> bool:
        if request.url.rstrip("/").endswith("chat.postMessage"):
            return False
        return await super()._can_retry_async(state=state, request=request, response=response, error=error)


def delivery_client(client: AsyncWebClient) -> AsyncWebClient:
    """The outbox's client: the same token, session and pace, and no blind re-send of a post."""
    outbox_client = PacedWebClient(token=client.token, base_url=client.base_url, timeout=client.timeout,
                                   session=client.session)
    if isinstance(client, PacedWebClient):
        outbox_client.pace = client.pace
    inner = [getattr(handler, "inner", handler) for handler in client.retry_handlers]
    outbox_client.retry_handlers = _counted([
        _ResendUnlessPosted(max_retry_count=handler.max_retry_count)
        if isinstance(handler, AsyncConnectionErrorRetryHandler) else handler
        for handler in inner
    ])
    return outbox_client


def _retry_after(headers: Any) -> float | None:
    for name in ("Retry-After", "retry-after"):
        values = (headers or {}).get(name)
        if values:
            value = values[0] if isinstance(values, list) else values
            try:
                return float(value)
            except (TypeError, ValueError):
                return None
    return None


class SlackNotifier:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        kwargs = {key: value for key, value in kwargs.items() if value is not None}
        try:
            response = await self.client.api_call(method, json=kwargs)
        except SlackApiError as exc:
            data = exc.response.data
            status = exc.response.status_code
            code = str(data.get("error", "unknown_error")) if isinstance(data, dict) else f"http_{status}"
            log.warning("slack_call_failed", method=method, code=code)
            raise SlackCallFailed(method, code, retry_after=_retry_after(exc.response.headers)) from None
        except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            # Connection errors were already retried by the client's retry handlers.
            log.warning("slack_call_failed", method=method, code=type(exc).__name__)
            raise SlackCallFailed(method, "connection_error") from None
        return dict(response.data) if isinstance(response.data, dict) else {}

    async def create_channel(self, name: str, *, private: bool = False) -> str:
        data = await self._call("conversations.create", name=name, is_private=private)
        return str(data["channel"]["id"])

    async def message_at(self, channel_id: str, ts: str) -> dict[str, Any] | None:
        """One message (user, text) with its permalink, for the timeline; None when Slack has no such message."""
        data = await self._call("conversations.history", channel=channel_id, latest=ts, inclusive=True, limit=1)
        message = next((m for m in data.get("messages", []) if m.get("ts") == ts), None)
        if message is None:
            return None
        try:
            link = (await self._call("chat.getPermalink", channel=channel_id, message_ts=ts)).get("permalink")
        except SlackCallFailed:
            link = None  # the link is a nicety: the message is recorded without it
        return {"user": message.get("user"), "text": message.get("text") or "", "permalink": link}

    async def archive_channel(self, channel_id: str, *, archive: bool = True) -> None:
        """conversations.archive (or unarchive); already so counts as done."""
        method = "conversations.archive" if archive else "conversations.unarchive"
        try:
            await self._call(method, channel=channel_id)
        except SlackCallFailed as exc:
            if exc.code not in ("already_archived", "not_archived"):
                raise

    async def invite(self, channel_id: str, user_ids: list[str]) -> None:
        try:
            await self._call("conversations.invite", channel=channel_id, users=",".join(user_ids))
        except SlackCallFailed as exc:
            # Inviting someone who is already there is success for us.
            if exc.code != "already_in_channel":
                raise

    async def set_topic(self, channel_id: str, topic: str) -> None:
        await self._call("conversations.setTopic", channel=channel_id, topic=topic[:250])

    async def post(
        self, channel_id: str, text: str, blocks: list[dict[str, Any]] | None = None, thread_ts: str | None = None,
        *, delivery_key: str | None = None,
    ) -> str:
        kwargs: dict[str, Any] = {"channel": channel_id, "text": text}
        if delivery_key:
            # Read back by `find_delivered` after a crash or a lost answer, so nobody is paged twice.
            kwargs["metadata"] = {"event_type": DELIVERY_EVENT, "event_payload": {"key": delivery_key}}
        if blocks is not None:
            kwargs["blocks"] = blocks
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        try:
            data = await self._call("chat.postMessage", **kwargs)
        except SlackCallFailed as exc:
            if exc.code != "not_in_channel":
                raise
            # Public channels can be joined; then the post goes through.
            await self._call("conversations.join", channel=channel_id)
            data = await self._call("chat.postMessage", **kwargs)
        return str(data["ts"])

    async def find_delivered(self, channel_id: str, delivery_key: str) -> str | None:
        """The ts of a recent message Firebell posted with this delivery key, if Slack has it."""
        if channel_id.startswith(("U", "W")):
            opened = await self._call("conversations.open", users=channel_id)
            channel_id = str(opened["channel"]["id"])
        data = await self._call("conversations.history", channel=channel_id, limit=50, include_all_metadata=True)
        for message in data.get("messages", []):
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("key") == delivery_key:
                return str(message["ts"])
        return None

    async def edit_message(
        self, channel_id: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        kwargs: dict[str, Any] = {"channel": channel_id, "ts": ts, "text": text}
        if blocks is not None:
            kwargs["blocks"] = blocks
        await self._call("chat.update", **kwargs)

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        await self._call("views.open", trigger_id=trigger_id, view=view)

    async def usergroup_members(self, group_id: str) -> list[str]:
        data = await self._call("usergroups.users.list", usergroup=group_id)
        return [str(user) for user in data.get("users", [])]

    async def set_usergroup_members(self, group_id: str, user_ids: list[str]) -> None:
        await self._call("usergroups.users.update", usergroup=group_id, users=",".join(user_ids))

    async def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        await self._call("views.publish", user_id=user_id, view=view)

    async def tell(self, target: ReplyTarget, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """Answer one person privately; falls back from response_url to ephemeral to a DM."""
        if target.response_url:
            try:
                webhook = AsyncWebhookClient(target.response_url, timeout=SLACK_TIMEOUT, session=self.client.session)
                response = await webhook.send(
                    text=text, blocks=blocks, response_type="ephemeral", replace_original=False
                )
                if response.status_code < 400:
                    return
                log.warning("response_url_failed", status=response.status_code)
            except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as exc:
                log.warning("response_url_failed", error=type(exc).__name__)
        if target.channel_id:
            try:
                await self._call(
                    "chat.postEphemeral", channel=target.channel_id, user=target.user_id, text=text, blocks=blocks
                )
                return
            except SlackCallFailed:
                pass
        await self._call("chat.postMessage", channel=target.user_id, text=text, blocks=blocks)
