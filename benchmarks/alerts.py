"""Alert storm: N alerts in S seconds across K incident keys into one `firebell run` with the fake Slack.

    python -m benchmarks.alerts                       # 10,000 alerts in 60 s across 50 keys, SQLite
    python -m benchmarks.alerts --alerts 2000 --seconds 20 --database-url postgresql://…/fb_bench

Open loop (alerts sent on schedule whatever the answers do; latency counted from when each was due), in
the generic format, each alert distinct (its own `key`) and grouped by `group: storm-<i mod K>`. Reported:
accepted alerts per second, answer latency p50/p99 (target p99 < 100 ms), errors by status, the time until
every alert was processed and until the K-th incident was announced in the feed, Slack calls made by
method (target: each incident announced once, then its alerts message edited in place at most once a
second), the busiest second of chat.update calls, and "database is locked" lines in Firebell's log.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

from benchmarks import processes
from benchmarks.common import fresh_database, percentile, resolve_database_url, write_json
from bot.slack.standin import BOT_TOKEN
from storage.alerts_models import AlertIntake
from storage.models import Incident
from tests.conftest import SIGNING_SECRET, TEST_POLICY

TOKEN = "bench-generic-token-0123456789"
P99_TARGET_MS = 100.0


def policy_text(limit: int) -> str:
    # The storm limit is raised for the run: the default (300 per 5 minutes) would refuse most of it.
    return TEST_POLICY + f"""
alerts:
  declared_by: UALERTS
  commander: UONCALL1
  limit: {limit}
  sources:
    generic: {{token: {TOKEN}}}
"""


def write_policy(workdir: Path, limit: int) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    policy = workdir / "policy.yml"
    policy.write_text(policy_text(limit))
    return policy


async def start_firebell(log_dir: Path, workdir: Path, slack: processes.Service, database_url: str,
                         limit: int) -> processes.Service:
    policy = write_policy(workdir, limit)
    port = processes.free_port()
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": f"{slack.base_url}/api/", "PORT": str(port), "HOST": "127.0.0.1",
        "DATABASE_URL": database_url, "FIREBELL_POLICY": str(policy),
        "FIREBELL_FEED_CHANNEL": processes.FEED_CHANNEL, "FIREBELL_PID_FILE": str(workdir / "firebell.pid"),
        "LOG_LEVEL": "WARNING", "LOG_FORMAT": "json",
    }
    return await processes._start("firebell", ["-m", "bot", "run"], env=env, cwd=workdir,
                                  log_dir=log_dir, port=port, ready_path="/healthz", timeout=90)


async def send_storm(url: str, total: int, seconds: float, keys: int) -> tuple[list[float], Counter[str], float]:
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    started = time.perf_counter()
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}

    async def one(n: int, due: float, http: aiohttp.ClientSession) -> None:
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        body = json.dumps({"title": f"Storm alert {n % keys}", "key": f"alert-{n}", "group": f"storm-{n % keys}",
                           "severity": "warning", "service": f"svc-{n % keys}"})
        try:
            async with http.post(url, data=body, headers=headers) as answer:
                await answer.read()
                if answer.status != 202:
                    errors[f"http_{answer.status}"] += 1
                    return
        except (aiohttp.ClientError, OSError) as exc:
            errors[type(exc).__name__] += 1
            return
        latencies.append((time.perf_counter() - due) * 1000.0)

    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(connector=connector) as http:
        await asyncio.gather(*(one(n, started + n * seconds / total, http) for n in range(total)))
    return latencies, errors, time.perf_counter() - started


async def watch_updates(slack_url: str, stop: asyncio.Event) -> list[int]:
    """chat.update calls in each second of the run (from the fake Slack's counters)."""
    per_second: list[int] = []
    last = 0
    async with aiohttp.ClientSession() as http:
        while not stop.is_set():
            async with http.get(f"{slack_url}/bench/stats") as answer:
                count = int((await answer.json())["calls"].get("chat.update", 0))
            per_second.append(count - last)
            last = count
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
    return per_second


async def run(args: argparse.Namespace) -> dict[str, Any]:
    database_url = resolve_database_url(args.database_url)
    engine = await fresh_database(database_url)
    work = Path(tempfile.mkdtemp(prefix="fb-alerts-bench-"))
    slack = await processes.start_fake_slack(work)
    firebell = await start_firebell(work, work / "firebell", slack, database_url, limit=args.alerts * 2)
    stop = asyncio.Event()
    watcher = asyncio.ensure_future(watch_updates(slack.base_url, stop))
    try:
        began = time.time()
        latencies, errors, took = await send_storm(f"{firebell.base_url}/alerts/generic", args.alerts,
                                                   args.seconds, args.keys)
        processed_at = None
        deadline = time.monotonic() + args.drain
        while time.monotonic() < deadline:
            async with engine.connect() as connection:
                left = (await connection.execute(select(func.count()).select_from(AlertIntake)
                                                 .where(AlertIntake.state != "done"))).scalar_one()
            if left == 0:
                processed_at = time.time()
                break
            await asyncio.sleep(0.5)
        # Slack's pace (a feed post a second, 20 channels a minute) announces the incidents after the storm:
        # wait for the last feed announcement, up to the same drain time.
        async with aiohttp.ClientSession() as http:
            while True:
                async with http.get(f"{slack.base_url}/bench/events") as answer:
                    events = (await answer.json())["events"]
                feed = [e for e in events if e[1] == "post" and e[2] == processes.FEED_CHANNEL]
                if len(feed) >= args.keys or time.monotonic() > deadline:
                    break
                await asyncio.sleep(1.0)
            await asyncio.sleep(3)  # the last coalesced edits
            stop.set()
            updates = await watcher
            async with http.get(f"{slack.base_url}/bench/stats") as answer:
                calls = (await answer.json())["calls"]
        async with engine.connect() as connection:
            incidents = (await connection.execute(select(func.count()).select_from(Incident))).scalar_one()
        feed = sorted(at for at, kind, channel, _text in events if kind == "post" and channel == processes.FEED_CHANNEL)
        locked = firebell.log_path.read_text(errors="replace").count("database is locked")
    finally:
        stop.set()
        await firebell.stop()
        await slack.stop()
        await engine.dispose()
    accepted = len(latencies)
    results = {
        "alerts": args.alerts, "seconds": args.seconds, "keys": args.keys, "database": database_url.split(":")[0],
        "accepted": accepted, "accepted_per_second": accepted / took if took else 0.0, "errors": dict(errors),
        "latency_ms": {"p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
                       "max": max(latencies, default=float("nan"))},
        "processed_after_seconds": (processed_at - began) if processed_at else None,
        "incidents": incidents, "feed_posts": len(feed),
        "last_incident_announced_seconds": (feed[args.keys - 1] - began) if len(feed) >= args.keys else None,
        "slack_calls": calls, "busiest_second_chat_update": max(updates, default=0),
        "database_locked_lines": locked,
    }
    results["pass"] = (not errors and results["latency_ms"]["p99"] < P99_TARGET_MS and incidents == args.keys
                       and locked == 0)
    return results


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.alerts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--keys", type=int, default=50)
    parser.add_argument("--drain", type=float, default=120.0, help="how long to wait for processing to finish")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--json-out", default=None)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = asyncio.run(run(args))
    print(json.dumps(results, indent=2))
    write_json(args.json_out, results)
    return 0 if results["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
