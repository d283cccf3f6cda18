"""Delivery kinds every domain shares: a message posted once, whatever happens on the way."""

from __future__ import annotations

from typing import Any

from bot.slack.client import Notifier
from bot.slack.outbox import Failed, Outbox, Owed, Sent, Steps

POST = "post"


def post_payload(channel: str, text: str, blocks: list[dict[str, Any]] | None = None,
                 thread_ts: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"channel": channel, "text": text}
    if blocks is not None:
        payload["blocks"] = blocks
    if thread_ts:
        payload["thread_ts"] = thread_ts
    return payload


class Poster:
    """Posts a rendered message. After a crash or a lost answer it first looks for the message in
    Slack (by the delivery key in its metadata), so a retry does not post it twice."""

    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier

    async def __call__(self, owed: Owed, steps: Steps) -> None:
        if steps.get("ts"):
            return  # posted before a crash; only the settling was left
        payload = owed.payload
        channel = str(payload["channel"])
        if owed.uncertain:
            found = await self.notifier.find_delivered(channel, owed.key)
            if found:
                steps.note(ts=found)
                return
        ts = await self.notifier.post(channel, str(payload["text"]), payload.get("blocks"), payload.get("thread_ts"),
                                      delivery_key=owed.key)
        # Written when the delivery settles; were this process to die first, the next attempt finds the
        # post in Slack by its delivery key instead of posting again.
        steps.note(ts=ts)


def register(outbox: Outbox, *, kind: str = POST, on_sent: Sent | None = None, on_failed: Failed | None = None) -> None:
    """Register a posting kind (the plain one, or a domain's own with hooks that record the result,
    e.g. the message ts); the outbox's own notifier sends it."""
    outbox.on(kind, Poster(outbox.notifier), on_sent=on_sent, on_failed=on_failed)
