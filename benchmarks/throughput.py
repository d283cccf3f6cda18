"""3. Sustained declares per second: the rate is stepped up until the ack p99 passes 1 s.

Each step sends `/incident declare P2 <title>` at a fixed rate (open loop: on schedule whatever the
answers do; latency counted from when a request was due) for Plan.step_seconds, then gives Firebell up
to Plan.drain_seconds to finish the step's background work before the next, faster step; once it has
fallen behind (a step's work not done within that wait) the next steps follow without waiting, the
backlog carried along as it would be in production. The ramp stops at the
first step whose ack p99 is over 1 s or that had errors (or at the last rate). Per step: the ack
figures, the rate Firebell actually answered at, how long the backlog took to drain (or, when the
wait ended first, how many deliveries were still owed and how many acked declares were not incidents
yet), and declare → channel created / feed posted for the step's declares (those that arrived by
then; the rest are `late`).

Two rates come out of each ramp: `sustained_ack`, the highest step whose ack p99 stayed within 1 s
without errors (what the issue asks), and `kept_up`, the highest step after which every channel and
feed announcement had arrived and nothing was owed within the drain wait: above it the acks still come
quickly but the
incidents' Slack side falls further behind every second. Each repetition starts a fresh Firebell on a
fresh database, so one ramp's backlog does not weigh on the next.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from benchmarks.ack_latency import batch_figures
from benchmarks.common import summarize
from benchmarks.load import key_of
from benchmarks.suite import Effects, Running, Suite

ACK_LIMIT_MS = 1000.0


@dataclass(frozen=True)
class Plan:
    rates: tuple[float, ...]
    step_seconds: float
    drain_seconds: float


QUICK = Plan(rates=(10, 20, 40, 80, 160, 320, 640), step_seconds=2.5, drain_seconds=3.0)
FULL = Plan(rates=(5, 10, 20, 40, 80, 160, 320, 640, 1280), step_seconds=3.0, drain_seconds=4.0)


async def step(suite: Suite, app: Running, rate: float, plan: Plan, *, drain: bool) -> dict[str, Any]:
    client = suite.client
    async with Effects(suite, await suite.event_count()) as effects:
        batch = await client.open_loop(app.url, client.declare_text, rate, plan.step_seconds)
        app.note_declares(batch.samples)
        drained = await suite.settle(app, timeout=plan.drain_seconds) if drain else None
    owed = await app.backlog.owed()
    behind = app.declared - await app.backlog.incidents()
    sent = {key_of(sample.text): sample.sent_at for sample in batch.samples if sample.error is None}
    channel = [effects.channel[key] - at for key, at in sent.items() if key in effects.channel]
    feed = [effects.feed[key] - at for key, at in sent.items() if key in effects.feed]
    late = sum(1 for key in sent if not effects.done(key))
    return {"rate": rate, "ack_ms": batch_figures(batch), "drain_seconds": drained, "owed_after_drain": owed,
            "incidents_not_created": behind, "channel_seconds": summarize(channel), "feed_seconds": summarize(feed),
            "late": late, "told_failed": effects.told_failed}


async def ramp(suite: Suite, plan: Plan, repeat: int) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    async with suite.firebell(f"throughput-{repeat}") as app:
        keeping_up = True
        for rate in plan.rates:
            figures = await step(suite, app, rate, plan, drain=keeping_up)
            steps.append(figures)
            keeping_up = keeping_up and not (figures["late"] or figures["owed_after_drain"]
                                             or figures["incidents_not_created"])
            ack = figures["ack_ms"]
            print(f"  throughput r{repeat} {rate:5g}/s answered {ack['per_second']:6.1f}/s ack p50 {ack['p50']:7.1f} "
                  f"p99 {ack['p99']:7.1f} ms errors {sum(ack['errors'].values())} | channel p99 "
                  f"{figures['channel_seconds']['p99']:6.2f} s, late {figures['late']}, "
                  f"owed {figures['owed_after_drain']}, not yet created {figures['incidents_not_created']}",
                  flush=True)
            if ack["p99"] > ACK_LIMIT_MS or ack["errors"]:
                break
    within = [s["rate"] for s in steps if s["ack_ms"]["p99"] <= ACK_LIMIT_MS and not s["ack_ms"]["errors"]]
    kept_up = max((s["rate"] for s in steps if s["drain_seconds"] is not None and s["drain_seconds"] < math.inf
                   and not s["late"]), default=0.0)
    return {"repeat": repeat, "steps": steps, "sustained_ack": max(within, default=0.0),
            "kept_up": kept_up, "stopped_by_ack": steps[-1]["rate"] not in within}


async def run(suite: Suite, *, quick: bool, repeats: int) -> dict[str, Any]:
    plan = QUICK if quick else FULL
    ramps = [await ramp(suite, plan, repeat) for repeat in range(1, repeats + 1)]
    return {"ramps": ramps, "step_seconds": plan.step_seconds, "drain_seconds": plan.drain_seconds,
            "ack_limit_ms": ACK_LIMIT_MS}
