"""1. Ack latency: signed `/incident` commands, N in flight, time to the HTTP response; bare Bolt beside it.

For each repetition, each number of requests in flight (1, 10, 50, 200) and each command
(`help`: answered in the ack; `status 1`: acked, then looked up and answered on the response_url;
`declare P2 <title>`: acked with the acceptance, then the incident is created and set up in Slack),
the bare Bolt app gets the same batch first, then Firebell: both warmed up first with a few `help`
requests at that concurrency so their connections are open, as Slack's are. After each Firebell batch
the benchmark waits until Firebell's background work is done (nothing owed, the fake Slack quiet) so
the next batch meets an idle app; that wait is reported as `drain` (the time the declares' set-up took
to reach Slack after the last ack).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.common import ratio, summarize
from benchmarks.load import Batch
from benchmarks.suite import Running, Suite

IN_FLIGHT = (1, 10, 50, 200)
COMMANDS = ("help", "status 1", "declare")
STATS = ("p50", "p95", "p99", "max")


@dataclass(frozen=True)
class Plan:
    requests: dict[int, int]  # per in-flight: help and status
    # Per in-flight: declares. Fewer: each is an incident whose Slack side (tens of ms of CPU) must be done
    # before the next batch, and at 200 in flight the batch is one burst of 200 anyway.
    declares: dict[int, int]


QUICK = Plan(requests={1: 50, 10: 100, 50: 200, 200: 400}, declares={1: 10, 10: 20, 50: 50, 200: 200})
FULL = Plan(requests={1: 200, 10: 300, 50: 500, 200: 1000}, declares={1: 20, 10: 40, 50: 100, 200: 200})


def batch_figures(batch: Batch) -> dict[str, Any]:
    return {**summarize(batch.latencies_ms), "errors": dict(batch.errors), "seconds": round(batch.seconds, 3),
            "per_second": round(len(batch.samples) / batch.seconds, 1) if batch.seconds else None}


async def measure(suite: Suite, app: Running, command: str, in_flight: int, total: int) -> dict[str, Any]:
    client = suite.client
    text: Callable[[], str] = client.declare_text if command == "declare" else (lambda: command)
    point: dict[str, Any] = {"command": command, "in_flight": in_flight, "requests": total}
    for name, url in (("bolt", suite.bolt.events_url), ("firebell", app.url)):
        await client.closed_loop(url, lambda: "help", max(2 * in_flight, 20), in_flight)  # warm-up
        batch = await client.closed_loop(url, text, total, in_flight)
        point[name] = batch_figures(batch)
    app.note_declares(batch.samples)
    point["drain_seconds"] = round(await suite.settle(app), 2)
    point["ratio"] = {stat: ratio(point["firebell"][stat], point["bolt"][stat]) for stat in STATS}
    return point


async def run(suite: Suite, *, quick: bool, repeats: int) -> dict[str, Any]:
    plan = QUICK if quick else FULL
    points: list[dict[str, Any]] = []
    async with suite.firebell("ack_latency") as app:
        # Incident 1, for `status 1`.
        app.note_declares([await suite.client.send(app.url, suite.client.declare_text())])
        await suite.settle(app)
        for repeat in range(1, repeats + 1):
            for in_flight in IN_FLIGHT:
                for command in COMMANDS:
                    total = (plan.declares if command == "declare" else plan.requests)[in_flight]
                    point = {"repeat": repeat, **await measure(suite, app, command, in_flight, total)}
                    points.append(point)
                    fb, bolt = point["firebell"], point["bolt"]
                    print(f"  ack r{repeat} {command:9} x{in_flight:<3} firebell p50 {fb['p50']:7.1f} p99 "
                          f"{fb['p99']:7.1f} max {fb['max']:7.1f} ms | bolt p50 {bolt['p50']:6.1f} p99 "
                          f"{bolt['p99']:6.1f} ms | errors {sum(fb['errors'].values())} | drain "
                          f"{point['drain_seconds']:.1f} s", flush=True)
        incidents = await app.backlog.incidents()
    return {"points": points, "incidents": incidents,
            "requests": {"help_status": plan.requests, "declare": plan.declares}}
