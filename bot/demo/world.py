"""The demo's world: the real bot (the same app factory) wired to the stand-in, a clock you can move,
a log of what the scheduler did, and a replayed P0."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import tempfile
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bot.app import Firebell, create_app
from bot.demo.clock import ShiftedClock
from bot.demo.person import Person
from bot.demo.seed import FEED, GENERAL, demo_policy, seed_workspace
from bot.logging import get_logger
from bot.policy.loader import load_policy, parse_policy
from bot.scheduling.timers import Firing
from bot.settings import load_settings
from bot.slack.standin.api import BOT_TOKEN
from bot.slack.standin.workspace import StandinWorkspace

log = get_logger(__name__)

STEPS = {"5m": timedelta(minutes=5), "1h": timedelta(hours=1)}


@dataclass
class LogLine:
    at: str
    text: str


@dataclass
class World:
    firebell: Firebell
    slack: StandinWorkspace
    clock: ShiftedClock
    person: Person | None = None
    http: aiohttp.ClientSession | None = None
    scheduler_log: deque[LogLine] = field(default_factory=lambda: deque(maxlen=60))
    replaying: asyncio.Task[None] | None = None
    workdir: tempfile.TemporaryDirectory[str] | None = None
    on_change: list[Callable[[str], None]] = field(default_factory=list)

    @property
    def zone(self) -> str:
        return self.firebell.services.policy.policy.timezone

    def note(self, text: str) -> None:
        self.scheduler_log.append(LogLine(self.clock.now().strftime("%H:%M:%S"), text))
        for listener in list(self.on_change):
            listener("log")

    def _logged(self, kind: str, handler: Callable[[Firing], Awaitable[str]]) -> Callable[[Firing], Awaitable[str]]:
        async def run(firing: Firing) -> str:
            outcome = await handler(firing)
            late = " (late)" if firing.late else ""
            incident = f" incident {firing.incident_id}" if firing.incident_id else ""
            self.note(f"{kind}{incident}: {outcome}{late}")
            return outcome

        return run

    def watch_timers(self) -> None:
        handlers = self.firebell.services.timers.handlers
        for kind, handler in list(handlers.items()):
            handlers[kind] = self._logged(kind, handler)

    async def settle(self, timeout: float = 5.0) -> None:
        """Until post-ack work and deliveries are done (or the timeout passes)."""
        services = self.firebell.services
        await asyncio.sleep(0.05)
        for _ in range(int(timeout / 0.02)):
            if not (services.inflight or services.outbox.busy):
                return
            await asyncio.sleep(0.02)

    async def advance(self, step: str) -> str:
        """Move the clock +5 min, +1 h, or to the next due timer."""
        now = self.clock.now()
        if step == "next":
            due = await self.firebell.services.timers.next_due()
            if due is None:
                self.note("nothing is scheduled")
                return "nothing is scheduled"
            target = max(due, now) + timedelta(seconds=1)
        elif step in STEPS:
            target = now + STEPS[step]
        else:
            raise ValueError(f"unknown step {step!r}")
        return await self.advance_to(target)

    async def advance_to(self, target: datetime) -> str:
        """Move the clock to `target`, stopping at each timer due on the way so it fires on time (not
        late), as it would have had the time passed for real."""
        timers = self.firebell.services.timers
        delta = max(target - self.clock.now(), timedelta(0))
        seconds = round(delta.total_seconds())
        moved = f"{seconds // 60} min {seconds % 60} s"
        self.note(f"clock moved ahead {moved}")
        held = 0
        for _ in range(500):  # chained timers may fall due within the same jump
            due = await timers.next_due()
            if due is None or due > target:
                break
            self.clock.advance(max(due + timedelta(seconds=1) - self.clock.now(), timedelta(0)))
            fired = await self.firebell.tick()
            await self.settle()
            if not fired:
                # The wake-up loop holds it (it fires it at this time too): wait for it before moving on.
                held += 1
                if held > 40:
                    break
                await asyncio.sleep(0.05)
                continue
            held = 0
        self.clock.advance(target - self.clock.now())
        await self.firebell.tick()
        await self.settle()
        timers.wake()
        for listener in list(self.on_change):
            listener("clock")
        return f"+{moved}"

    # --- the replayed P0 -------------------------------------------------------------------------------

    def replay(self) -> bool:
        if self.replaying is not None and not self.replaying.done():
            return False
        self.replaying = asyncio.ensure_future(self._replay())
        return True

    async def _replay(self, pause: float = 1.5) -> None:
        assert self.person is not None
        person = self.person
        self.note("replay: a P0 from declare to resolve")
        before = set(self.slack.channels)
        await person.command("USORA", GENERAL, "/incident declare P0 Checkout is down (replay)")
        await self.settle()
        await asyncio.sleep(pause)
        created = [c for c in self.slack.channels if c not in before]
        channel = created[0] if created else GENERAL
        # Nobody acknowledges in time: to the incident's first escalation, when the L1 on-call is paged.
        incident = (await self.firebell.services.incidents.list(include_closed=False, limit=1))
        escalations = await self.firebell.services.timers.pending(incident[0].id, kind="escalate") if incident else []
        if escalations:
            await self.advance_to(escalations[0].due_at + timedelta(seconds=1))
        await asyncio.sleep(pause)
        await person.command("UMINJI", channel, "/incident ack")
        await self.settle()
        await asyncio.sleep(pause)
        await person.command("UMINJI", channel, "/incident update Rolled back the 14:02 deploy; error rate falling")
        await self.settle()
        await asyncio.sleep(pause)
        await self.advance("5m")
        await person.command("USORA", channel, "/incident resolve Rollback fixed it; post-mortem on Friday")
        await self.settle()
        self.note("replay: done")

    async def close(self) -> None:
        if self.replaying is not None:
            self.replaying.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.replaying
        if self.http is not None:
            await self.http.close()
        await self.firebell.close()
        await self.slack.close()
        if self.workdir is not None:
            self.workdir.cleanup()


async def build_world(*, locale: str = "en", policy_file: str | None = None, db_file: str | None = None,
                      start_scheduler: bool = True) -> World:
    """The stand-in, seeded; the bot built by the real factory against it; SQLite in a temporary folder."""
    clock = ShiftedClock()
    slack = StandinWorkspace(clock=clock)
    seed_workspace(slack)
    await slack.start()
    workdir = None
    if db_file is None:
        workdir = tempfile.TemporaryDirectory(prefix="firebell-demo-")
        db_file = str(Path(workdir.name) / "demo.db")
    policy = (load_policy(policy_file) if policy_file
              else parse_policy(demo_policy(locale, clock.now().date()), "(demo policy)"))
    settings = load_settings(
        slack_bot_token=BOT_TOKEN, slack_signing_secret=secrets.token_hex(16), slack_api_url=slack.url,
        database_url=f"sqlite+aiosqlite:///{db_file}", firebell_locale=locale,
        host="127.0.0.1", firebell_feed_channel=FEED, _env_file=None,
    )
    firebell = create_app(settings, clock=clock, policy=policy)
    world = World(firebell=firebell, slack=slack, clock=clock, workdir=workdir)
    world.watch_timers()
    await firebell.prepare(migrate=True)
    if start_scheduler:
        firebell.start_scheduler()
    return world


def attach_person(world: World, events_url: str) -> None:
    world.http = aiohttp.ClientSession()
    secret = world.firebell.settings.slack_signing_secret.get_secret_value()
    world.person = Person(world.slack, events_url, secret, world.http)


def describe(world: World) -> dict[str, Any]:
    return {"now": world.clock.now().isoformat(timespec="seconds"),
            "offset_minutes": int(world.clock.offset.total_seconds() // 60),
            "log": [{"at": line.at, "text": line.text} for line in world.scheduler_log]}
