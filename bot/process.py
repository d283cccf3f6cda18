"""`firebell run` as one replica among several: the policy kept the same on every replica, signals, and a
graceful shutdown.

SIGTERM (or SIGINT): stop taking work (Slack requests get a 503 so the proxy or Slack tries another replica,
`/healthz` turns 503, the Socket Mode connection closes), let in-flight requests, timer batches and
deliveries finish within `FIREBELL_SHUTDOWN_GRACE_SECONDS`, then give back every claim still held (its lease
set to now), so another replica takes those timers and deliveries at once rather than after the lease.
SIGHUP: reload the policy file for every replica (bot/policy/replicas.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from typing import Any, Protocol

from aiohttp import web

from bot.app import Firebell
from bot.logging import get_logger
from bot.policy.replicas import PolicySync
from bot.runtime import REPLICA
from storage.repositories import claims

log = get_logger("firebell")


class Closable(Protocol):
    async def close_async(self) -> None: ...


async def start_replica(firebell: Firebell) -> PolicySync:
    """Record or confirm the policy in force, and follow the record every tick."""
    services = firebell.services
    sync = PolicySync(services.sessions, services.clock, services.policy, firebell.runtime,
                      on_change=lambda _policy: firebell._in_background(services.ensure_schedules()))
    try:
        await sync.start(actor=f"start-up {REPLICA}")
    except Exception as error:
        # The database is down at start-up: run on the file's policy; the next look records it.
        log.warning("policy_record_failed", error=type(error).__name__)
    if firebell.scheduler is not None:
        firebell.scheduler.add_job(_quietly(sync.follow), "interval", seconds=firebell.settings.firebell_tick_seconds,
                                   max_instances=1, coalesce=True, id="firebell-policy-follow")
    return sync


def _quietly(work: Any) -> Any:
    async def run() -> None:
        try:
            await work()
        except Exception as error:
            log.warning("policy_follow_failed", error=type(error).__name__)
    return run


async def _reload(sync: PolicySync) -> None:
    try:
        await sync.reload(f"SIGHUP {REPLICA}")
    except Exception as error:
        # The database is unreachable: nothing was recorded, the policy in force stays; try again later.
        log.error("policy_reload_failed", error=type(error).__name__)


async def run_until_signalled(firebell: Firebell, runner: web.AppRunner, sync: PolicySync,
                              socket_handler: Closable | None = None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    with contextlib.suppress(NotImplementedError):
        loop.add_signal_handler(signal.SIGHUP, lambda: firebell._in_background(_reload(sync)))
    try:
        await stop.wait()
    finally:
        await shutdown(firebell, runner, socket_handler)


async def _settled(firebell: Firebell, deadline: float) -> bool:
    services = firebell.services
    while services.inflight or services.outbox.busy:
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def shutdown(firebell: Firebell, runner: web.AppRunner, socket_handler: Closable | None = None) -> None:
    grace = firebell.settings.firebell_shutdown_grace_seconds
    deadline = time.monotonic() + grace
    firebell.runtime.accepting = False
    log.info("firebell_stopping", grace_seconds=grace)
    if socket_handler is not None:
        with contextlib.suppress(Exception):
            await socket_handler.close_async()
    if firebell.scheduler is not None:
        firebell.scheduler.shutdown(wait=False)
        firebell.scheduler = None
    if firebell.timer_loop is not None:
        await firebell.timer_loop.stop(grace=max(0.0, deadline - time.monotonic()))
    finished = await _settled(firebell, deadline)
    await firebell.services.outbox.close()
    released = (0, 0)
    try:
        async with firebell.services.sessions.begin() as session:
            released = await claims.release(session=session, worker=firebell.services.timers.worker,
                                            now=firebell.services.clock.now())
    except Exception as error:
        log.warning("claims_release_failed", error=type(error).__name__)
    log.info("firebell_drained", finished_in_grace=finished, released_timers=released[0],
             released_deliveries=released[1])
    await runner.cleanup()
    await firebell.close()
