"""5. Resident memory of the `firebell run` process as incidents pile up (the long, optional mode).

Declares --memory-incidents incidents (default 10,000) in chunks of CHUNK, 20 acks in flight; after
each chunk it waits until Firebell has caught up (every incident created, its channel, feed post and
summary delivered: a timeline and Slack messages per incident) and reads the process's VmRSS. At the
end: RSS after a few `/incident list` and `/incident status <n>` commands, the incident and timeline
row counts, and the CPU seconds the process used. At about 15–20 incidents set up per second on two
cores this takes around ten minutes per database.
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.suite import Suite

CHUNK = 1000
IN_FLIGHT = 20
SETTLE_TIMEOUT = 600.0


async def run(suite: Suite, *, incidents: int) -> dict[str, Any]:
    client = suite.client
    curve: list[dict[str, float]] = []
    started = time.perf_counter()
    async with suite.firebell("memory") as app:
        curve.append({"incidents": 0, "rss_mib": app.note_rss("started")})
        while app.declared < incidents:
            batch = await client.closed_loop(app.url, client.declare_text, min(CHUNK, incidents - app.declared),
                                             IN_FLIGHT)
            app.note_declares(batch.samples)
            if batch.errors:
                print(f"  memory: {sum(batch.errors.values())} declares failed: {dict(batch.errors)}", flush=True)
            drained = await suite.settle(app, timeout=SETTLE_TIMEOUT)
            count = await app.backlog.incidents()
            curve.append({"incidents": count, "rss_mib": round(app.service.rss_mib(), 1),
                          "seconds": round(time.perf_counter() - started, 1)})
            print(f"  memory: {count} incidents, RSS {curve[-1]['rss_mib']:.1f} MiB (caught up {drained:.1f} s after "
                  f"the last ack)", flush=True)
        for text in ("list", "list all", f"status {incidents // 2}", f"status {incidents}"):
            await client.send(app.url, text)
        await suite.settle(app)
        app.note_rss("after list and status")
        timeline = await app.backlog.timeline_entries()
        cpu = app.service.cpu_seconds()
    return {"incidents": app.declared, "timeline_entries": timeline, "curve": curve, "rss_mib": app.rss_mib,
            "cpu_seconds": round(cpu, 1), "cpu_ms_per_incident": round(1000 * cpu / max(app.declared, 1), 1),
            "seconds": round(time.perf_counter() - started, 1)}
