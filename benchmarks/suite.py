"""What every benchmark runs in: the fake Slack and the bare Bolt baseline (one process each, kept for
the whole run), the load generator, and a fresh `firebell run` on a fresh database per benchmark."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import Backlog, reset_postgres
from benchmarks.load import DATABASE_UNREACHABLE, KEY, Client, Sample
from benchmarks.processes import FEED_CHANNEL, Service, StartFailed, start_bare_bolt, start_fake_slack, start_firebell
from bot.settings import normalise_database_url

QUIET_SECONDS = 0.5  # no Slack call for this long, nothing owed: Firebell's background work is done
GIVE_UP_SECONDS = 5.0
STOP_SECONDS = 30.0  # after SIGTERM, then SIGKILL
START_ATTEMPTS = 3
RETRY_SECONDS = 60.0


@dataclass(frozen=True)
class Event:
    """Something the fake Slack received: a post, a channel created, a response_url answer."""

    at: float  # wall clock
    kind: str  # "post", "create", "respond"
    channel: str
    text: str


@dataclass
class Running:
    """One `firebell run` process on its own database."""

    name: str
    service: Service
    backlog: Backlog
    database_url: str
    rss_mib: dict[str, float] = field(default_factory=dict)
    declared: int = 0  # declares acked so far: the incidents it will have once it has caught up

    @property
    def url(self) -> str:
        return self.service.events_url

    def note_declares(self, samples: Iterable[Sample]) -> None:
        """Count the declares Firebell acked: settle() waits until each is an incident."""
        self.declared += sum(1 for sample in samples if sample.error is None and sample.text.startswith("declare "))

    def note_rss(self, label: str) -> float:
        self.rss_mib[label] = round(self.service.rss_mib(), 1)
        return self.rss_mib[label]


def logged_problems(log_path: Path) -> dict[str, int]:
    """Firebell's warnings and errors (it logs JSON lines at LOG_LEVEL=WARNING), counted by event."""
    counts: Counter[str] = Counter()
    for line in log_path.read_text(errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            event = str(entry.get("event", "?")).splitlines()[0][:120]  # one line: it lands in a table cell
            counts[f"{entry.get('level', '?')}: {event}"] += 1
    return dict(counts.most_common())


class Suite:
    def __init__(self, database: str, workdir: Path, *, pg_url: str, validate_blocks: bool = False) -> None:
        self.database = database  # "sqlite" or "postgresql"
        self.workdir = workdir
        self.pg_url = normalise_database_url(pg_url)
        self.validate_blocks = validate_blocks
        self.logs = workdir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.databases = 0
        # Per Firebell process started: RSS, CPU seconds, how it stopped, what it logged.
        self.processes: dict[str, dict[str, Any]] = {}
        self._stack = contextlib.AsyncExitStack()
        self._cpu_at_start = time.process_time()

    async def __aenter__(self) -> Suite:
        self.slack = await start_fake_slack(self.logs, validate_blocks=self.validate_blocks)
        self._stack.push_async_callback(self.slack.stop)
        self.bolt = await start_bare_bolt(self.logs, self.slack)
        self._stack.push_async_callback(self.bolt.stop)
        self.client = Client(self.slack.base_url)
        self._stack.push_async_callback(self.client.close)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._stack.aclose()

    async def new_database(self) -> str:
        self.databases += 1
        if self.database == "postgresql":
            await reset_postgres(self.pg_url)
            return self.pg_url
        return f"sqlite+aiosqlite:///{self.workdir / f'firebell-{self.databases}.db'}"

    @contextlib.asynccontextmanager
    async def firebell(self, benchmark: str) -> AsyncIterator[Running]:
        """A fresh Firebell on a fresh database, against a fake Slack that has forgotten everything."""
        await self.slack_call("POST", "/bench/reset")
        service, url = await self._start_firebell(benchmark)
        running = Running(benchmark, service, Backlog(url), url)
        running.note_rss("started")
        try:
            yield running
        finally:
            await running.backlog.close()
            cpu = None
            if service.process.returncode is None:
                running.note_rss("end")
                cpu = service.cpu_seconds()
            stopping = time.perf_counter()
            status = await service.stop(STOP_SECONDS)
            self.processes[benchmark] = {
                "rss_mib": running.rss_mib, "cpu_seconds": cpu, "exit_status": status,
                "stop_seconds": round(time.perf_counter() - stopping, 1), "logged": logged_problems(service.log_path)}

    async def _start_firebell(self, benchmark: str) -> tuple[Service, str]:
        """Started and answering a signed `/incident help`. Firebell's code may be in the middle of
        someone's edit: a process that does not start or answer is reported, and after RETRY_SECONDS
        tried again on a fresh database, START_ATTEMPTS times in all."""
        for attempt in range(1, START_ATTEMPTS + 1):
            url = await self.new_database()
            try:
                service = await start_firebell(self.logs, self.workdir / benchmark, self.slack, url)
            except StartFailed as failure:
                problem = str(failure)
            else:
                answer = await self.client.send(service.events_url, "help")
                if answer.error is None:
                    return service, url
                await service.stop(STOP_SECONDS)
                problem = f"firebell answered `/incident help` with {answer.error}:\n{service.log_tail()}"
            if attempt == START_ATTEMPTS:
                raise StartFailed(problem)
            print(f"  {benchmark}: Firebell is not usable (attempt {attempt}/{START_ATTEMPTS}), trying again in "
                  f"{RETRY_SECONDS:g} s:\n{problem}", flush=True)
            await asyncio.sleep(RETRY_SECONDS)
        raise AssertionError("unreachable")

    def cpu_seconds(self) -> dict[str, float]:
        """CPU used so far by the helpers, to judge how much of the machine Firebell had."""
        return {"fake_slack": round(self.slack.cpu_seconds(), 1), "bare_bolt": round(self.bolt.cpu_seconds(), 1),
                "load_generator": round(time.process_time() - self._cpu_at_start, 1)}

    # --- the fake Slack's log --------------------------------------------------------------------------

    async def slack_call(self, method: str, path: str) -> Any:
        async with self.client.http.request(method, self.slack.base_url + path) as response:
            response.raise_for_status()
            return await response.json() if response.content_type == "application/json" else await response.text()

    async def slack_stats(self) -> dict[str, Any]:
        return dict(await self.slack_call("GET", "/bench/stats"))

    async def events(self, after: int = 0) -> list[Event]:
        """What the fake Slack received since its `after`-th event (it counts from its last reset)."""
        data = await self.slack_call("GET", f"/bench/events?after={after}")
        return [Event(*row) for row in data["events"]]

    async def event_count(self) -> int:
        return int((await self.slack_stats())["events"])

    # --- waiting for Firebell's background work -------------------------------------------------------

    async def settle(self, running: Running, *, timeout: float = 120.0) -> float:
        """Wait until Firebell is idle: every declare acked is an incident, no delivery is owed, and the
        fake Slack has had no call for QUIET_SECONDS (a declare that failed after its ack never becomes
        an incident: after GIVE_UP_SECONDS of quiet it is not waited for). Returns the seconds until the
        last Slack call (inf after `timeout`)."""
        started = time.perf_counter()
        last_calls = -1
        quiet_since = time.perf_counter()
        while time.perf_counter() - started < timeout:
            calls = sum((await self.slack_stats())["calls"].values())
            now = time.perf_counter()
            if calls != last_calls:
                last_calls, quiet_since = calls, now
            elif (now - quiet_since >= QUIET_SECONDS and await running.backlog.owed() == 0
                  and (now - quiet_since >= GIVE_UP_SECONDS or await running.backlog.incidents() >= running.declared)):
                return quiet_since - started
            await asyncio.sleep(0.1)
        return float("inf")



class Effects:
    """When each declare's effects reached the fake Slack, by the title key in the declare (load.KEY):
    `channel[key]`, its conversations.create; `feed[key]`, its announcement posted to the feed channel.

    Used as `async with Effects(suite) as effects:` it polls the fake Slack every POLL_SECONDS, so a
    caller can wait for one declare's effects; without, `await effects.poll()` reads what arrived.
    """

    POLL_SECONDS = 0.02

    def __init__(self, suite: Suite, after: int = 0) -> None:
        self.suite = suite
        self.seen = after
        self.channel: dict[str, float] = {}
        self.feed: dict[str, float] = {}
        self.posts: list[Event] = []  # every other post (reminders, summaries in incident channels)
        self.told_failed = 0  # response_url answers saying the database failed the request (after its ack)
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Effects:
        self._task = asyncio.ensure_future(self._poll_forever())
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.poll()

    async def poll(self) -> None:
        events = await self.suite.events(self.seen)
        self.seen += len(events)
        for event in events:
            found = KEY.search(event.text)
            if event.kind == "create" and found:
                self.channel.setdefault(found.group(), event.at)
            elif event.kind == "post" and event.channel == FEED_CHANNEL and found:
                self.feed.setdefault(found.group(), event.at)
            elif event.kind == "post":
                self.posts.append(event)
            elif event.kind == "respond" and DATABASE_UNREACHABLE in event.text:
                self.told_failed += 1
        if events:
            self._changed.set()
            self._changed = asyncio.Event()

    async def _poll_forever(self) -> None:
        while True:
            await self.poll()
            await asyncio.sleep(self.POLL_SECONDS)

    def done(self, key: str) -> bool:
        return key in self.channel and key in self.feed

    async def wait_done(self, key: str, timeout: float) -> bool:
        """Until both the channel and the feed announcement of `key` have arrived; False after `timeout`."""
        deadline = time.perf_counter() + timeout
        while not self.done(key):
            left = deadline - time.perf_counter()
            if left <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)
        return True
