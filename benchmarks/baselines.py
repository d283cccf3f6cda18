"""Baselines the benchmarks compare against, measured in the same run.

Kept in their own module so a spawned child process can import them by name.
"""

from __future__ import annotations

import asyncio
import heapq
import time
from typing import Any


def next_boundary(origin: float, interval: float, now: float) -> float:
    """The first tick boundary origin + k·interval strictly after now (APScheduler's interval trigger)."""
    k = int((now - origin) // interval) + 1
    return origin + k * interval


async def _heap_timer_loop(due_epochs: list[float], origin: float, interval: float,
                           deadline: float) -> dict[str, Any]:
    heap = [(due, index) for index, due in enumerate(due_epochs)]
    heapq.heapify(heap)
    lateness: list[float] = []
    ticks = 0
    while heap and time.time() < deadline:
        boundary = next_boundary(origin, interval, time.time())
        await asyncio.sleep(max(0.0, boundary - time.time()))
        ticks += 1
        now = time.time()
        while heap and heap[0][0] <= now:
            due, _index = heapq.heappop(heap)
            lateness.append(time.time() - due)  # what the handler would see
    return {"lateness": lateness, "ticks": ticks, "left": len(heap)}


def heap_timer_baseline(due_epochs: list[float], origin: float, interval: float, deadline: float) -> dict[str, Any]:
    """The same due times fired from an in-memory heapq by the same 1-second tick loop: no database.

    Runs in a child process (its own interpreter and event loop), so it neither slows nor is slowed by
    the database loop it is compared with.
    """
    return asyncio.run(_heap_timer_loop(due_epochs, origin, interval, deadline))
