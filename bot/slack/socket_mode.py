"""Socket Mode (`SLACK_APP_TOKEN`): Slack's requests arrive over a websocket instead of HTTP.

slack_sdk's client retries a failed connection forever, every few seconds, with a traceback each time. Here
each attempt is made once (`_OneAttemptClient.connect`) and `SocketModeLink` retries with a doubling backoff
(1 s to 60 s, jittered), one log line per attempt, and keeps `Runtime.socket_mode` true to the connection
for `/healthz`. Slack's `disconnect` (refresh_requested, warning) is handled by the client: it opens a new
URL and connects again. The envelopes go to the same Bolt app as HTTP requests, with the same guarantees
(acks first, Slack's retries recognised by their trigger or event id).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random

import aiohttp
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient

from bot.logging import get_logger
from bot.runtime import Runtime

log = get_logger("firebell.socket_mode")

# slack_sdk's own lines (tracebacks on every failed attempt) are replaced by ours; DEBUG shows them again.
_SDK_LOG = logging.getLogger("firebell.socket_mode.sdk")
FIRST_BACKOFF, MAX_BACKOFF = 1.0, 60.0
# How often the link checks that its connection is alive.
WATCH_SECONDS = 0.5


def backoff(attempt: int) -> float:
    return min(MAX_BACKOFF, FIRST_BACKOFF * 2 ** max(0, attempt - 1)) * random.uniform(0.8, 1.2)


def describe(error: BaseException) -> str:
    """One short phrase for a failed attempt (no traceback, no token)."""
    if isinstance(error, SlackApiError):
        data = error.response.data if isinstance(error.response.data, dict) else {}
        return f"Slack refused apps.connections.open: {data.get('error', error.response.status_code)}"
    if isinstance(error, aiohttp.WSServerHandshakeError):
        return f"websocket handshake refused (HTTP {error.status})"
    if isinstance(error, aiohttp.ClientConnectorError | OSError | TimeoutError | aiohttp.ClientError):
        return f"network unreachable ({type(error).__name__})"
    return f"{type(error).__name__}: {error}"[:200]


class _OneAttemptClient(SocketModeClient):
    """A SocketModeClient whose `connect` tries once and raises; the link decides when to try again."""

    async def connect(self) -> None:
        old = self.current_session
        if old is not None and not old.closed:
            with contextlib.suppress(Exception):
                await old.close()
        if self.aiohttp_client_session.closed:
            self.aiohttp_client_session = aiohttp.ClientSession()
        if self.wss_uri is None:
            self.wss_uri = await self.issue_new_wss_url()
        try:
            self.current_session = await self.aiohttp_client_session.ws_connect(
                self.wss_uri, autoping=False, heartbeat=self.ping_interval, proxy=self.proxy)
        except Exception:
            self.wss_uri = None  # a URL is good for one connection; the next attempt asks for a new one
            raise
        self.stale = False
        self.last_ping_pong_time = None
        for task in (self.current_session_monitor, self.message_receiver):
            if task is not None:
                task.cancel()
        self.current_session_monitor = asyncio.ensure_future(self.monitor_current_session())
        self.message_receiver = asyncio.ensure_future(self.receive_messages())


class SocketModeLink:
    def __init__(self, bolt: AsyncApp, app_token: str, runtime: Runtime, *, ping_interval: float = 5) -> None:
        self.runtime = runtime
        self.handler = AsyncSocketModeHandler(bolt, app_token, logger=_SDK_LOG, ping_interval=ping_interval)
        client = _OneAttemptClient(app_token=app_token, logger=_SDK_LOG, web_client=bolt.client,
                                   auto_reconnect_enabled=False, ping_interval=ping_interval)
        client.socket_mode_request_listeners.append(self.handler.handle)  # type: ignore[arg-type]
        self._unused = self.handler.client  # the handler's own client, replaced (its session closed at the end)
        self.handler.client = client
        self.client = client
        self._task: asyncio.Task[None] | None = None
        self.connections = 0

    def start(self) -> None:
        self.runtime.socket_mode = "connecting"
        self._task = asyncio.ensure_future(self._keep_connected())

    async def _keep_connected(self) -> None:
        attempt = 0
        while not self.client.closed:
            if await self.client.is_connected():
                await asyncio.sleep(WATCH_SECONDS)
                continue
            if self.runtime.socket_mode == "connected":
                log.warning("socket_mode_disconnected")
            self.runtime.socket_mode = "disconnected" if attempt or self.connections else "connecting"
            attempt += 1
            try:
                self.client.wss_uri = None
                await self.client.connect()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                delay = backoff(attempt)
                log.warning("socket_mode_connect_failed", attempt=attempt, reason=describe(error),
                            retry_in_seconds=round(delay, 1))
                await asyncio.sleep(delay)
                continue
            attempt = 0
            self.connections += 1
            self.runtime.socket_mode = "connected"
            log.info("socket_mode_connected", connection=self.connections)

    async def close_async(self) -> None:
        self.runtime.socket_mode = "disconnected"
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        with contextlib.suppress(Exception):
            await self.client.close()
        for client in (self.client, self._unused):
            with contextlib.suppress(Exception):
                await client.aiohttp_client_session.close()
