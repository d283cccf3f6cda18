"""Slack's rate limits, enforced by the stand-in: a 429 with Retry-After when a method's tier or a
channel's posts go faster than Slack allows (turned on by `FakeSlack.enforce_rate_limits`).

The allowance is Slack's published one at the given scale (`bot/slack/pace.py`: a tier's calls per minute,
with its whole minute as the burst; about one post per second per channel with a burst of six), so a
client that keeps to `SlackPace` at the same scale never sees a 429 here, and one that does not, does.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from aiolimiter import AsyncLimiter

from bot.slack.pace import CHANNEL_POSTS_PER_SECOND, TIER_PER_MINUTE, WORKSPACE_POSTS_PER_MINUTE, channel_of, tier_of

# How many posts Slack lets one channel take at once before its one-per-second pace applies.
STANDIN_CHANNEL_BURST = 6


class RateLimits:
    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale
        self.buckets: dict[tuple[str, str], AsyncLimiter] = {}
        self.refused: Counter[str] = Counter()  # 429s answered, by method

    def _bucket(self, kind: str, name: str, burst: float, per_second: float) -> AsyncLimiter:
        bucket = self.buckets.get((kind, name))
        if bucket is None:
            bucket = AsyncLimiter(burst, burst / per_second)
            self.buckets[(kind, name)] = bucket
        return bucket

    async def admit(self, method: str, args: dict[str, Any]) -> int | None:
        """None when Slack would take the call now, else the Retry-After (seconds) of its 429."""
        needed: list[AsyncLimiter] = []
        tier = tier_of(method)
        if tier is not None:
            per_minute = TIER_PER_MINUTE[tier]
            needed.append(self._bucket("tier", method, per_minute, per_minute / 60 * self.scale))
        channel = channel_of(method, args)
        if channel is not None:
            needed.append(self._bucket("channel", channel, STANDIN_CHANNEL_BURST,
                                       CHANNEL_POSTS_PER_SECOND * self.scale))
            needed.append(self._bucket("posts", "*", WORKSPACE_POSTS_PER_MINUTE,
                                       WORKSPACE_POSTS_PER_MINUTE / 60 * self.scale))
        if not all(bucket.has_capacity() for bucket in needed):
            self.refused[method] += 1
            return 1
        for bucket in needed:
            await bucket.acquire()  # has capacity: returns at once
        return None

    @property
    def total_refused(self) -> int:
        return sum(self.refused.values())
