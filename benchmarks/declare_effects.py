"""2. Declare → feed announcement and declare → channel created, with N declares in flight.

A declare is "in flight" from sending `/incident declare P2 <title>` until the fake Slack has received
both its effects: conversations.create of `inc-<n>-<title slug>` and chat.postMessage of its
announcement to the feed channel (CFEED). N workers each send a declare, wait for both, then send the
next, so N incidents are always being set up: a steady state, not a burst. Measured from sending the
request (wall clock) to the fake Slack receiving each call (its wall clock, same machine). A declare
whose effects have not all arrived within EFFECT_TIMEOUT seconds counts as missing.

Points: 1 in flight (an idle bot: the pipeline's own latency) and 20 in flight (the figure asked for).
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from typing import Any

from benchmarks.ack_latency import batch_figures
from benchmarks.common import summarize
from benchmarks.load import Batch, key_of
from benchmarks.suite import Effects, Running, Suite

EFFECT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Plan:
    declares: dict[int, int]  # per in-flight


QUICK = Plan(declares={1: 10, 20: 60})
FULL = Plan(declares={1: 10, 20: 100})


async def measure(suite: Suite, app: Running, in_flight: int, total: int) -> dict[str, Any]:
    client = suite.client
    batch = Batch()
    missing: list[str] = []
    left = itertools.count()
    async with Effects(suite, await suite.event_count()) as effects:

        async def worker() -> None:
            while next(left) < total:
                key = client.title_key()
                batch.samples.append(await client.send(app.url, client.declare_text(key)))
                if not await effects.wait_done(key, EFFECT_TIMEOUT):
                    missing.append(key)

        await asyncio.gather(*(worker() for _ in range(in_flight)))
    app.note_declares(batch.samples)
    sent = {key_of(sample.text): sample.sent_at for sample in batch.samples}
    feed = [effects.feed[key] - at for key, at in sent.items() if key in effects.feed]
    channel = [effects.channel[key] - at for key, at in sent.items() if key in effects.channel]
    return {"in_flight": in_flight, "declares": total, "feed_seconds": summarize(feed),
            "channel_seconds": summarize(channel), "missing": len(missing), "told_failed": effects.told_failed,
            "ack_ms": batch_figures(batch)}


async def run(suite: Suite, *, quick: bool, repeats: int) -> dict[str, Any]:
    plan = QUICK if quick else FULL
    points: list[dict[str, Any]] = []
    async with suite.firebell("declare_effects") as app:
        for repeat in range(1, repeats + 1):
            for in_flight, total in plan.declares.items():
                point = {"repeat": repeat, **await measure(suite, app, in_flight, total)}
                points.append(point)
                feed, channel = point["feed_seconds"], point["channel_seconds"]
                print(f"  effects r{repeat} x{in_flight:<3} declare→feed p50 {feed['p50']:.3f} p99 {feed['p99']:.3f} s"
                      f" | declare→channel p50 {channel['p50']:.3f} p99 {channel['p99']:.3f} s | missing "
                      f"{point['missing']}", flush=True)
                await suite.settle(app)
    return {"points": points, "effect_timeout_seconds": EFFECT_TIMEOUT}
