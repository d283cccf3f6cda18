"""The load generator: `/incident` slash commands signed as Slack signs them, sent over HTTP.

Every request is a fresh form body (its own trigger_id, its response_url on the fake Slack) signed
with tests.conftest.signed_headers (v0 HMAC-SHA256 of `v0:{timestamp}:{body}`) just before it is
sent. Latency is the time from sending the POST to having read the whole response: the ack a person
waits for. Two shapes of load:

- closed loop (`closed_loop`): N requests in flight at all times, each sent when one is answered;
- open loop (`open_loop`): requests sent at a fixed rate whatever the answers do; a request's latency
  counts from when it was due to be sent, so a client that falls behind does not hide the delay.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp

from bot.i18n import Catalog
from tests.conftest import signed_headers, slash_command_body

FORM = "application/x-www-form-urlencoded"
KEY = re.compile(r"k[0-9a-f]{4}x[0-9]{6}")
REQUEST_TIMEOUT = 30.0
# Firebell answers this (in the ack, or on the response_url after it) when the database failed it.
DATABASE_UNREACHABLE = str(Catalog("en")("error.database_unreachable"))


@dataclass(frozen=True)
class Sample:
    text: str
    sent_at: float  # wall clock (time.time()), comparable with the fake Slack's event times
    latency_ms: float
    error: str | None = None


@dataclass
class Batch:
    samples: list[Sample] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def latencies_ms(self) -> list[float]:
        return [sample.latency_ms for sample in self.samples if sample.error is None]

    @property
    def errors(self) -> Counter[str]:
        return Counter(sample.error for sample in self.samples if sample.error is not None)


def key_of(text: str) -> str:
    """The title key in a command's text (empty when it has none)."""
    found = KEY.search(text)
    return found.group() if found else ""


class Client:
    """Sends signed `/incident` commands; unique titles for declares, so their effects can be found."""

    def __init__(self, slack_base_url: str) -> None:
        self.slack_base_url = slack_base_url
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0),  # as many connections as requests in flight
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT))
        self.tag = uuid.uuid4().hex[:4]
        self._numbers = itertools.count(1)

    async def close(self) -> None:
        await self.http.close()

    def title_key(self) -> str:
        """A token unique to this run (KEY matches it), lowercase letters and digits: it survives the
        channel-name slug and is found in the feed announcement's text."""
        return f"k{self.tag}x{next(self._numbers):06d}"

    def declare_text(self, key: str | None = None) -> str:
        return f"declare P2 Bench load {key or self.title_key()}"

    async def send(self, url: str, text: str, *, due: float | None = None) -> Sample:
        """One command. `due` (perf_counter) is when it was meant to go out; latency counts from then."""
        trigger = f"bench-{self.tag}-{next(self._numbers)}"
        body = slash_command_body(text, response_url=f"{self.slack_base_url}/respond/{trigger}", trigger_id=trigger)
        sent_at = time.time()
        started = time.perf_counter() if due is None else due
        error = None
        try:
            async with self.http.post(url, data=body.encode(), headers=signed_headers(body, FORM)) as response:
                content = await response.text()
            if response.status != 200:
                error = f"HTTP {response.status}"
            elif DATABASE_UNREACHABLE in content:
                error = "database unreachable"
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            error = type(exc).__name__
        latency_ms = (time.perf_counter() - started) * 1000.0
        return Sample(text, sent_at, latency_ms, error)

    async def closed_loop(self, url: str, text: Callable[[], str], total: int, in_flight: int) -> Batch:
        """`total` requests, `in_flight` at a time."""
        batch = Batch()
        left = itertools.count()

        async def worker() -> None:
            while next(left) < total:
                batch.samples.append(await self.send(url, text()))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(min(in_flight, total))))
        batch.seconds = time.perf_counter() - started
        return batch

    async def open_loop(self, url: str, text: Callable[[], str], rate: float, seconds: float) -> Batch:
        """Requests at `rate` per second for `seconds`, evenly spaced, whatever the answers do."""
        batch = Batch()
        count = max(1, round(rate * seconds))
        started = time.perf_counter()
        tasks: list[asyncio.Task[Sample]] = []
        for index in range(count):
            due = started + index / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append(asyncio.ensure_future(self.send(url, text(), due=due)))
        batch.samples = list(await asyncio.gather(*tasks))
        batch.seconds = time.perf_counter() - started
        return batch
