"""Slack's pace: every Web API call waits its turn before it leaves, so a burst never meets a 429.

Slack limits each Web API method per workspace by tier (https://api.slack.com/apis/rate-limits) and posts
to one channel to about one message per second, with short bursts allowed. `SlackPace` keeps one leaky
bucket (`aiolimiter.AsyncLimiter`) per method tier and one per channel for posts; the one Web API client
(`bot/slack/client.py`) and every client made from it share one `SlackPace`, so requests, deliveries and
firings take their turns from the same buckets. The buckets are kept a little smaller than Slack's
allowance (a quarter of a tier's minute as the burst, three posts per channel) because calls reach Slack
a little out of step with when they left.

`scale` multiplies every rate: 1 is Slack's published pace, 0 turns pacing off; the Slack stand-in can
enforce the same limits at the same scale (`bot/slack/standin/limits.py`), so tests run at ten times
Slack's pace without changing the proportions.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from aiolimiter import AsyncLimiter

from bot.logging import get_logger

log = get_logger(__name__)

# Calls per minute Slack allows each tier (per method, per workspace).
TIER_PER_MINUTE: dict[int, int] = {1: 1, 2: 20, 3: 50, 4: 100}
# The tier of each method Firebell calls (Slack's method docs). Methods not listed are not paced by tier.
METHOD_TIER: dict[str, int] = {
    "conversations.create": 2,
    "conversations.setTopic": 2,
    "conversations.invite": 3,
    "conversations.join": 3,
    "conversations.open": 3,
    "conversations.history": 3,
    "conversations.info": 3,
    "chat.update": 3,
    "chat.delete": 3,
    "usergroups.users.list": 2,
    "usergroups.users.update": 2,
    "views.open": 4,
    "views.publish": 4,
    "views.update": 4,
    "users.info": 4,
    "auth.test": 4,
}
# Posts: about one message per second per channel, and a workspace-wide ceiling of several hundred a minute.
POST_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.scheduleMessage"})
CHANNEL_POSTS_PER_SECOND = 1.0
CHANNEL_BURST = 3
WORKSPACE_POSTS_PER_MINUTE = 300
# Set by the outbox while it delivers: the delivery slot (a semaphore) a call gives back while it waits for
# its turn, so one busy channel never holds the slots that deliveries to other channels need.
SLOT_WHILE_PACED: ContextVar[asyncio.Semaphore | None] = ContextVar("firebell_slot_while_paced", default=None)
# A wait longer than this is logged, so a backlog behind the pace is visible.
SLOW_WAIT_SECONDS = 2.0


def tier_of(method: str) -> int | None:
    return METHOD_TIER.get(method)


def channel_of(method: str, args: Mapping[str, Any] | None) -> str | None:
    """The channel a post is paced by (a DM counts as its own channel)."""
    if method not in POST_METHODS or not args:
        return None
    channel = args.get("channel")
    return str(channel) if channel else None


class SlackPace:
    """Shared buckets for one workspace's token. `await pace.wait(method, args)` before each call."""

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale
        self._tiers: dict[str, AsyncLimiter] = {}
        self._channels: dict[str, AsyncLimiter] = {}
        self._posts: AsyncLimiter | None = None
        # Seconds spent waiting, by method (read by the metrics).
        self.waited: dict[str, float] = {}

    @property
    def enabled(self) -> bool:
        return self.scale > 0

    def _tier_limiter(self, method: str, tier: int) -> AsyncLimiter:
        limiter = self._tiers.get(method)
        if limiter is None:
            per_minute = TIER_PER_MINUTE[tier]
            burst = max(1, per_minute // 4)
            limiter = AsyncLimiter(burst, burst * 60 / (per_minute * self.scale))
            self._tiers[method] = limiter
        return limiter

    def _channel_limiter(self, channel: str) -> AsyncLimiter:
        limiter = self._channels.get(channel)
        if limiter is None:
            limiter = AsyncLimiter(CHANNEL_BURST, CHANNEL_BURST / (CHANNEL_POSTS_PER_SECOND * self.scale))
            self._channels[channel] = limiter
        return limiter

    def _posts_limiter(self) -> AsyncLimiter:
        if self._posts is None:
            burst = WORKSPACE_POSTS_PER_MINUTE // 4
            self._posts = AsyncLimiter(burst, burst * 60 / (WORKSPACE_POSTS_PER_MINUTE * self.scale))
        return self._posts

    def _buckets(self, method: str, args: Mapping[str, Any] | None) -> list[tuple[str, AsyncLimiter]]:
        """The buckets this call takes a turn from, named."""
        buckets = []
        tier = tier_of(method)
        if tier is not None:
            buckets.append((method, self._tier_limiter(method, tier)))
        channel = channel_of(method, args)
        if channel is not None:
            buckets.append((f"channel {channel}", self._channel_limiter(channel)))
        if method in POST_METHODS:
            buckets.append(("posts", self._posts_limiter()))
        return buckets

    async def wait(self, method: str, args: Mapping[str, Any] | None = None) -> float:
        """Wait until Slack would take this call; returns the seconds waited."""
        if not self.enabled:
            return 0.0
        started = time.monotonic()
        channel = channel_of(method, args)
        buckets = [limiter for _name, limiter in self._buckets(method, args)]
        slot = SLOT_WHILE_PACED.get()
        if slot is not None and not all(limiter.has_capacity() for limiter in buckets):
            # Waiting for this channel's turn must not keep a delivery slot from a page to someone else.
            slot.release()
            try:
                for limiter in buckets:
                    await limiter.acquire()
            finally:
                await slot.acquire()
        else:
            for limiter in buckets:
                await limiter.acquire()
        waited = time.monotonic() - started
        if waited > 0:
            self.waited[method] = self.waited.get(method, 0.0) + waited
        if waited > SLOW_WAIT_SECONDS:
            log.info("slack_pace_waited", method=method, channel=channel, seconds=round(waited, 1))
        return waited
