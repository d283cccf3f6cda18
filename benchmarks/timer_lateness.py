"""4. Timer lateness: 10,000 reminders due over one minute, fired by the real APScheduler loop of
`firebell run`, while 10 declares per second arrive.

The timers are ScheduledJob rows inserted straight into Firebell's database (kind `reminder`, the
payload ReminderService.remind() writes: text, channel, by), due evenly over SPREAD seconds from LEAD
seconds after the insert. Firebell's 1-second tick claims them, fire_reminder() owes each one's post
through the outbox, and the outbox posts it to the fake Slack (channel COPS). Each reminder's text
carries its number (and due time), so lateness is measured where a person sees it: the fake Slack
receiving the post minus the due time (`post`). Also from the database afterwards: `fired_at − due_at`
(fired_at is written when the tick's batch is marked done). A timer not posted (not fired) within
Plan.tail_seconds after the last due time counts as infinitely late: a percentile that reaches those
is `inf`. With them: how many fired and were posted, duplicate posts, and the concurrent declares'
ack and declare → channel figures.

With a 1-second tick a timer waits half a tick on average before it is even looked at: p50 ≈ 0.5 s
and p99 ≈ 1 s is the floor of this design, not a cost of the database.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from benchmarks.ack_latency import batch_figures
from benchmarks.common import summarize
from benchmarks.load import key_of
from benchmarks.suite import Effects, Running, Suite
from bot.reminders.service import REMINDER
from storage.models import ScheduledJob
from storage.repositories.timers import PENDING

CHANNEL = "COPS"  # a channel the fake Slack's bot is a member of
DECLARES_PER_SECOND = 10.0
INSERT_BATCH = 1000
TIMER_TEXT = re.compile(r"bench timer (\d+) due ")


@dataclass(frozen=True)
class Plan:
    timers: int
    spread_seconds: float
    lead_seconds: float = 5.0
    tail_seconds: float = 30.0  # how long after the last due time to wait for the last post


QUICK = Plan(timers=1_500, spread_seconds=9.0, lead_seconds=3.0, tail_seconds=20.0)  # the same 167 timers/s
FULL = Plan(timers=10_000, spread_seconds=60.0)


async def insert_timers(app: Running, due: list[float]) -> float:
    """The rows, in one transaction; returns the seconds it took."""
    now = datetime.now(UTC)
    rows = [{"kind": REMINDER, "due_at": datetime.fromtimestamp(at, UTC), "state": PENDING, "attempts": 0,
             "created_at": now, "incident_id": None,
             "payload": {"text": f"bench timer {index} due {at:.3f}", "channel": CHANNEL, "by": "UBENCH"}}
            for index, at in enumerate(due)]
    started = time.perf_counter()
    async with app.backlog.engine.begin() as connection:
        for first in range(0, len(rows), INSERT_BATCH):
            await connection.execute(insert(ScheduledJob), rows[first:first + INSERT_BATCH])
    return time.perf_counter() - started


async def fired_lateness(app: Running) -> list[float]:
    """fired_at − due_at of every reminder; inf for one not fired yet."""
    async with app.backlog.engine.connect() as connection:
        result = await connection.execute(
            select(ScheduledJob.due_at, ScheduledJob.fired_at).where(ScheduledJob.kind == REMINDER))
        return [(fired - due).total_seconds() if fired is not None else math.inf for due, fired in result.all()]


async def once(suite: Suite, plan: Plan, repeat: int) -> dict[str, Any]:
    async with suite.firebell(f"timers-{repeat}") as app, Effects(suite, await suite.event_count()) as effects:
        first = time.time() + plan.lead_seconds
        due = [first + index * plan.spread_seconds / plan.timers for index in range(plan.timers)]
        insert_seconds = await insert_timers(app, due)
        declaring = asyncio.ensure_future(suite.client.open_loop(
            app.url, suite.client.declare_text, DECLARES_PER_SECOND, due[-1] - time.time()))

        def posts() -> list[tuple[int, float]]:
            """(timer index, arrival) of every reminder post received so far, in arrival order."""
            return [(int(found.group(1)), event.at) for event in effects.posts
                    if event.channel == CHANNEL and (found := TIMER_TEXT.search(event.text))]

        while time.time() < due[-1] + plan.tail_seconds:
            if len({index for index, _at in posts()}) >= plan.timers:
                break
            await asyncio.sleep(0.5)
        batch = await declaring
        app.note_declares(batch.samples)
        await effects.poll()
        fired = await fired_lateness(app)
    arrivals: dict[int, float] = {}
    for index, at in posts():
        arrivals.setdefault(index, at)  # the first post of a timer; any other is a duplicate
    # A timer not posted by the end of the wait counts as infinitely late (shown as inf).
    post_lateness = [arrivals[index] - at if index in arrivals else math.inf for index, at in enumerate(due)]
    sent = {key_of(sample.text): sample.sent_at for sample in batch.samples if sample.error is None}
    channel = [effects.channel[key] - at for key, at in sent.items() if key in effects.channel]
    return {
        "repeat": repeat, "timers": plan.timers, "insert_seconds": round(insert_seconds, 3),
        "post_lateness_seconds": summarize(post_lateness), "fired_lateness_seconds": summarize(fired),
        "fired": sum(1 for late in fired if late < math.inf), "posted": len(arrivals),
        "duplicate_posts": len(posts()) - len(arrivals),
        "declares": {"ack_ms": batch_figures(batch), "channel_seconds": summarize(channel),
                     "channels_missing": len(sent) - len(channel), "told_failed": effects.told_failed},
    }


async def run(suite: Suite, *, quick: bool, repeats: int) -> dict[str, Any]:
    plan = QUICK if quick else FULL
    runs = []
    for repeat in range(1, repeats + 1):
        figures = await once(suite, plan, repeat)
        runs.append(figures)
        post, fired = figures["post_lateness_seconds"], figures["fired_lateness_seconds"]
        print(f"  timers r{repeat} {figures['posted']}/{plan.timers} posted, {figures['fired']} fired, "
              f"{figures['duplicate_posts']} duplicates | post lateness p50 {post['p50']:.2f} p99 {post['p99']:.2f} "
              f"max {post['max']:.2f} s | fired_at p50 {fired['p50']:.2f} p99 {fired['p99']:.2f} s | declare ack p99 "
              f"{figures['declares']['ack_ms']['p99']:.1f} ms", flush=True)
    return {"runs": runs, "timers": plan.timers, "spread_seconds": plan.spread_seconds,
            "declares_per_second": DECLARES_PER_SECOND}
