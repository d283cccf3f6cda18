"""Several `firebell run` processes on one PostgreSQL database: one policy for all of them (a reload anywhere
reaches every replica, or is refused by all with the same errors), and no duplicate incident, channel, page,
checklist run, reminder or handoff while requests and Slack's retries are spread over them."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from bot.slack.standin import FakeSlack
from storage.models import ChecklistRun, HandoffNotice, Incident
from tests.conftest import TEST_POLICY
from tests.replicas import Replica, eventually

REPLICA_POLICY = """
version: 1
timezone: UTC
default_severity: P1
severities:
  - {id: P1, name: {en: Major, ko: 중대}, ack_within: 2s, resolve_within: 1h, escalation: quick, checklist: triage}
escalation_policies:
  quick:
    tiers:
      - {name: L1, users: [UAONE], wait: 3s, notify: [dm]}
      - {name: L2, users: [UBONE], wait: 3s, notify: [dm]}
channels: {ops: COPS}
rotations:
  l1:
    layers:
      - {name: day, members: [UKIM, ULEE], shift: 1d, handoff_time: "09:00", start: 2026-01-05}
checklists:
  triage: {title: Triage, items: [{text: Look at the graphs}]}
  minutely: {title: Minutely, schedule: {cron: "* * * * *", channel: COPS}, items: [{text: Tick}]}
reminders:
  tick: {cron: "* * * * *", text: Minute reminder, channel: COPS}
permissions:
  override: [UKIM]
"""


def needs_postgres(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("several replicas share one PostgreSQL database; set FIREBELL_TEST_DATABASE_URL")


async def test_policy_reload_reaches_every_replica(slack: FakeSlack, tmp_path: Path, database_url: str) -> None:
    needs_postgres(database_url)
    # Each replica has its own copy of the file, as on separate hosts.
    files = []
    for name in ("a", "b", "c"):
        path = tmp_path / f"policy-{name}.yml"
        path.write_text(TEST_POLICY)
        files.append(path)
    replicas = [Replica(name, tmp_path, slack, database_url, path) for name, path in zip("abc", files, strict=True)]
    async with aiohttp.ClientSession() as http:
        try:
            for replica in replicas:
                await replica.start(http)
            first = {(await r.health(http))["policy"] for r in replicas}
            assert len(first) == 1 and None not in first

            # A new file on b only, SIGHUP to b: every replica loads b's policy within seconds.
            files[1].write_text(TEST_POLICY.replace("ack_within: 2m", "ack_within: 3m"))
            replicas[1].signal(signal.SIGHUP)

            async def hashes() -> set[str]:
                return {(await r.health(http))["policy"] for r in replicas}

            deadline = asyncio.get_running_loop().time() + 10
            while (now := await hashes()) == first or len(now) != 1:
                assert asyncio.get_running_loop().time() < deadline, f"replicas disagree: {now}"
                await asyncio.sleep(0.2)
            second = now
            for replica in replicas:
                await eventually(lambda r=replica: r.events("policy_reloaded"), timeout=5)

            # `firebell policy reload` where no pid file leads to a process: a bad file is refused for all.
            bad = tmp_path / "bad.yml"
            bad.write_text(TEST_POLICY.replace("ack_within: 2m", "ack_within: soon"))
            env = {**replicas[0].env, "FIREBELL_POLICY": str(bad), "FIREBELL_PID_FILE": str(tmp_path / "none.pid")}
            cli = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "policy", "reload", cwd=tmp_path, env=env,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            _, stderr = await cli.communicate()
            assert cli.returncode == 1 and "ack_within" in stderr.decode()
            for replica in replicas:
                await eventually(lambda r=replica: r.events("policy_reload_rejected"), timeout=10)
            problems = {tuple(r.events("policy_reload_rejected")[-1]["problems"]) for r in replicas}
            assert len(problems) == 1 and any("ack_within" in p for p in problems.pop())
            assert await hashes() == second

            # The same command with a good file reaches every replica too.
            good = tmp_path / "good.yml"
            good.write_text(TEST_POLICY)
            env["FIREBELL_POLICY"] = str(good)
            cli = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "policy", "reload", cwd=tmp_path, env=env,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            assert await cli.wait() == 0
            deadline = asyncio.get_running_loop().time() + 10
            while (now := await hashes()) != first:
                assert asyncio.get_running_loop().time() < deadline, f"replicas disagree: {now}"
                await asyncio.sleep(0.2)
        finally:
            codes = [await replica.stop() for replica in replicas]
    assert codes == [0, 0, 0]


async def test_three_replicas_do_everything_once(slack: FakeSlack, tmp_path: Path, database_url: str) -> None:
    needs_postgres(database_url)
    policy = tmp_path / "policy.yml"
    policy.write_text(REPLICA_POLICY)
    replicas = [Replica(name, tmp_path, slack, database_url, policy) for name in "abc"]
    count = 15
    async with aiohttp.ClientSession() as http:
        try:
            for replica in replicas:
                await replica.start(http)
            for n in range(count):
                trigger = f"trigger-replicas-{n}"
                assert await replicas[n % 3].command(http, f"declare Outage {n}", trigger) == 200
                # Slack retries the same request on another replica: recognised, nothing twice.
                assert await replicas[(n + 1) % 3].command(http, f"declare Outage {n}", trigger, retry=1) == 200
            assert await replicas[0].command(http, "override l1 <@ULEE> 2h", "trigger-override", user="UKIM",
                                             command="/oncall") == 200

            def paged() -> Counter[str]:
                return Counter(m.channel for m in slack.messages.values() if m.channel in ("UAONE", "UBONE"))

            await eventually(lambda: paged()["UBONE"] >= count, timeout=60, message=f"pages: {paged()}")
            # Recurring work: wait for a minute's checklist run and reminder.
            await eventually(lambda: any("Minute reminder" in (m.text or "") for m in slack.posts_in("COPS")),
                             timeout=75, message="no reminder fired")
            await asyncio.sleep(3)
        finally:
            for replica in replicas:
                await replica.stop()
    # Every effect with a delivery key is in Slack once.
    keys = Counter(str((m.metadata or {}).get("event_payload", {}).get("key")) for m in slack.messages.values()
                   if m.metadata)
    assert keys and max(keys.values()) == 1, [k for k, v in keys.items() if v > 1]
    channels = [c["name"] for c in slack.channels.values() if c["name"].startswith("inc-")]
    assert len(channels) == count == len(set(channels))
    assert paged() == Counter({"UAONE": count, "UBONE": count})
    reminders = [m for m in slack.posts_in("COPS") if "Minute reminder" in (m.text or "")]
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            incidents = await connection.scalar(select(func.count()).select_from(Incident))
            runs = (await connection.execute(select(ChecklistRun.template, ChecklistRun.incident_id,
                                                    ChecklistRun.started_at))).all()
            handoffs = await connection.scalar(select(func.count()).select_from(HandoffNotice))
    finally:
        await engine.dispose()
    assert incidents == count
    triage = Counter(run.incident_id for run in runs if run.template == "triage")
    assert len(triage) == count and max(triage.values()) == 1
    minutely = Counter(run.started_at.replace(second=0, microsecond=0) for run in runs if run.template == "minutely")
    assert minutely and max(minutely.values()) == 1
    assert len(reminders) == len({m.ts for m in reminders}) and len(reminders) <= 2
    assert handoffs == 1  # the override's start is one handoff, announced once
