"""kill -9 of `firebell run` at random moments while several incidents escalate, then restart: every
expected page is delivered, none twice, none later than a lease plus a tick (and the restart)."""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import sys
import time
from collections import Counter
from pathlib import Path

import aiohttp

from bot.slack.standin import BOT_TOKEN, FakeSlack
from tests.conftest import SIGNING_SECRET, signed_headers, slash_command_body
from tests.test_process import free_port

CRASH_POLICY = """
version: 1
timezone: UTC
default_severity: P1
severities:
  - {id: P1, name: {en: Major, ko: 중대}, ack_within: 2s, resolve_within: 1h, escalation: quick}
escalation_policies:
  quick:
    tiers:
      - {name: L1, users: [UAONE], wait: 3s, notify: [dm]}
      - {name: L2, users: [UBONE, UBTWO], wait: 3s, notify: [dm]}
      - {name: L3, users: [UCONE], wait: 3s, notify: [dm]}
"""
PAGED = ("UAONE", "UBONE", "UBTWO", "UCONE")
INCIDENTS = 6
KILLS = 4
# A claim's lease (timers and deliveries) plus a tick, plus the restart, plus scheduling noise.
LATENESS_BOUND = 15 + 1 + 5 + 4


class Bot:
    """One `firebell run` process at a time, killed and restarted on the same database."""

    def __init__(self, tmp_path: Path, slack: FakeSlack, database_url: str) -> None:
        self.port = free_port()
        policy = tmp_path / "policy.yml"
        policy.write_text(CRASH_POLICY)
        self.tmp_path = tmp_path
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FIREBELL_", "DATABASE_"))},
            "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack.url,
            "PORT": str(self.port), "HOST": "127.0.0.1", "DATABASE_URL": database_url,
            "FIREBELL_POLICY": str(policy), "FIREBELL_PID_FILE": str(tmp_path / "firebell.pid"),
            "FIREBELL_FEED_CHANNEL": "CFEED", "LOG_FORMAT": "json", "LOG_LEVEL": "WARNING",
        }
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, http: aiohttp.ClientSession) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=self.tmp_path, env=self.env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                async with http.get(f"http://127.0.0.1:{self.port}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            assert time.monotonic() < deadline, "firebell run did not come up"
            await asyncio.sleep(0.1)

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 20)
            except TimeoutError:
                await self.kill()


def pages_seen(slack: FakeSlack) -> Counter[tuple[int, str]]:
    """(incident number, person) → how many page DMs Slack holds."""
    seen: Counter[tuple[int, str]] = Counter()
    for user in PAGED:
        for message in slack.dms_to(user):
            match = re.search(r"incident #(\d+)", message.text or "")
            if match and (message.text or "").startswith("Page"):
                seen[(int(match.group(1)), user)] += 1
    return seen


async def test_kill_9_during_escalation_loses_and_repeats_no_page(
        slack: FakeSlack, tmp_path: Path, database_url: str) -> None:
    bot = Bot(tmp_path, slack, database_url)
    rng = random.Random(20261122)
    arrived: dict[tuple[int, str], float] = {}
    declared_at: dict[int, float] = {}
    async with aiohttp.ClientSession() as http:
        await bot.start(http)
        try:
            for n in range(1, INCIDENTS + 1):
                body = slash_command_body(f"declare P1 Crash test {n}", response_url=slack.response_url(f"c{n}"),
                                          trigger_id=f"trigger-crash-{n}")
                headers = signed_headers(body, "application/x-www-form-urlencoded")
                async with http.post(f"http://127.0.0.1:{bot.port}/slack/events", data=body.encode(),
                                     headers=headers) as response:
                    assert response.status == 200
                declared_at[n] = time.monotonic()
                await asyncio.sleep(rng.uniform(0.1, 0.8))
            for _ in range(KILLS):
                await asyncio.sleep(rng.uniform(0.3, 3.0))
                await bot.kill()
                await bot.start(http)
            expected = {(n, user) for n in declared_at for user in PAGED}
            deadline = time.monotonic() + 120
            while True:
                now, seen = time.monotonic(), pages_seen(slack)
                for key in seen:
                    arrived.setdefault(key, now)
                if expected <= set(seen) or now > deadline:
                    break
                await asyncio.sleep(0.2)
            await asyncio.sleep(3)  # anything still to come twice would come now
        finally:
            await bot.stop()
    seen = pages_seen(slack)
    lost = expected - set(seen)
    repeated = {key: count for key, count in seen.items() if count > 1}
    assert not lost, f"pages never delivered: {sorted(lost)}"
    assert not repeated, f"pages delivered twice: {repeated}"
    # Tier k of an incident falls due 2 s + 3 s·(k-1) after its declaration.
    tier_of = {"UAONE": 0, "UBONE": 1, "UBTWO": 1, "UCONE": 2}
    lateness = {key: arrived[key] - (declared_at[key[0]] + 2 + 3 * tier_of[key[1]]) for key in arrived}
    worst = max(lateness.values())
    assert worst < LATENESS_BOUND, f"a page came {worst:.1f} s late"
    print(f"\n{len(expected)} pages expected, {len(seen)} delivered, 0 lost, 0 twice; "
          f"worst lateness {worst:.1f} s over {KILLS} kills")
