"""HTTP ack latency of `/incident`: signed POST in, HTTP response out, Firebell against bare Bolt.

    python -m benchmarks.ack_latency [--database-url URL] [--requests 300]

Firebell is built with bot.app.create_app against tests.fake_slack.FakeSlack, prepared (migrated)
and served over real HTTP by aiohttp's TestServer. Measured, sequentially, --requests signed POSTs
each of `/incident help` (answered in the ack) and `/incident list` (acked empty, then the list is
posted to the response_url after the ack; the next request waits for that work, untimed, so every
request meets an idle app). The figure is the time from sending the POST to reading the whole
response.

Baseline, same run, same fake Slack, same client: a bare slack_bolt AsyncApp (same signing
secret, request verification on) with one `/incident` listener that only does `await ack("ok")`,
served the same way through slack_bolt.adapter.aiohttp. The three kinds of request are interleaved
so drift hits them alike. Bolt polls for the ack every 10 ms (slack_bolt/listener/asyncio_runner.py),
so both include that wait: about 10 ms is the floor.

Firebell logs as in production (INFO, JSON, rendered) but into /dev/null.
No pass/fail target here beyond Slack's: the HTTP response must arrive within 3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from benchmarks.common import (
    add_common_arguments,
    describe_url,
    main_for,
    percentile,
    reset_postgres,
    resolve_database_url,
    verdict,
)
from bot.app import create_app
from bot.logging import configure_logging
from bot.policy.loader import parse_policy
from bot.settings import load_settings
from tests.conftest import SIGNING_SECRET, TEST_POLICY, Harness
from tests.fake_slack import BOT_TOKEN, FakeSlack

SLACK_ACK_DEADLINE_MS = 3000.0
WARMUP = 20
FORM = "application/x-www-form-urlencoded"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.ack_latency",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    add_common_arguments(parser)
    parser.add_argument("--requests", type=int, default=300, help="measured requests of each kind (default 300)")
    return parser.parse_args(argv)


def quiet_production_logging() -> None:
    """Firebell's production log set-up (INFO, JSON), its output thrown away: the cost stays, the noise goes."""
    configure_logging("INFO", "json")
    sink = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(sink)


def bare_bolt_app(fake: FakeSlack) -> web.Application:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.url)
    bolt = AsyncApp(client=client, signing_secret=SIGNING_SECRET, request_verification_enabled=True,
                    name="baseline")

    @bolt.command("/incident")
    async def incident(ack: AsyncAck) -> None:
        await ack("ok")

    async def slack_events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", slack_events)
    return app


class Target:
    """One server to send signed `/incident` commands to, with the latencies it answered in."""

    def __init__(self, name: str, server: TestServer, text: str, expect: str | None) -> None:
        self.name = name
        self.url = str(server.make_url("/slack/events"))
        self.text = text
        self.expect = expect
        self.latencies_ms: list[float] = []
        self.settle_ms: list[float] = []


async def send(harness: Harness, target: Target) -> float:
    """One signed POST; the milliseconds from sending it to having read the whole response."""
    body = harness.command_body(target.text)
    headers = harness.signed_headers(body, FORM)
    payload = body.encode()
    started = time.perf_counter()
    async with harness.http.post(target.url, data=payload, headers=headers) as response:
        content = await response.text()
    elapsed = (time.perf_counter() - started) * 1000.0
    if response.status != 200 or (target.expect is not None and target.expect not in content):
        raise RuntimeError(f"{target.name}: unexpected answer {response.status} {content[:200]!r}")
    return elapsed


async def wait_idle(harness: Harness, answered_before: int, timeout: float = 10.0) -> None:
    """Until the post-ack work has answered on the response_url and no listener is still running."""
    deadline = time.monotonic() + timeout
    while len(harness.slack.responses) <= answered_before or harness.firebell.services.inflight:
        if time.monotonic() > deadline:
            raise RuntimeError("post-ack work did not finish in time")
        await asyncio.sleep(0.001)


def summary(values: list[float]) -> dict[str, float]:
    return {"p50": percentile(values, 50), "p95": percentile(values, 95), "p99": percentile(values, 99),
            "max": max(values)}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    quiet_production_logging()
    url = resolve_database_url(args.database_url)
    print(f"# ack_latency on {describe_url(url)}")
    if url.startswith("postgresql"):
        await reset_postgres(url)

    fake = FakeSlack()
    await fake.start()
    settings = load_settings(
        slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET, slack_api_url=fake.url,
        database_url=url, firebell_feed_channel="CFEED", _env_file=None,
    )
    firebell = create_app(settings, policy=parse_policy(TEST_POLICY, "test policy"))
    await firebell.prepare()
    server = TestServer(firebell.web, host="127.0.0.1")
    await server.start_server()
    baseline_server = TestServer(bare_bolt_app(fake), host="127.0.0.1")
    await baseline_server.start_server()
    harness = Harness(firebell, server, fake, clock=None)  # type: ignore[arg-type]  # no ticks here

    baseline = Target("bare Bolt ack(\"ok\")", baseline_server, "/incident", "ok")
    help_target = Target("Firebell /incident help", server, "help", "/incident")
    list_target = Target("Firebell /incident list", server, "list", None)
    try:
        for round_number in range(WARMUP + args.requests):
            measured = round_number >= WARMUP
            for target in (baseline, help_target, list_target):
                answered = len(fake.responses)
                latency = await send(harness, target)
                if target is list_target:
                    started = time.perf_counter()
                    await wait_idle(harness, answered)
                    if measured:
                        target.settle_ms.append(latency + (time.perf_counter() - started) * 1000.0)
                if measured:
                    target.latencies_ms.append(latency)
    finally:
        await harness.close()
        await baseline_server.close()
        await fake.close()
    posted = sum(1 for response in fake.responses if response.get("_name", "").startswith("trigger-"))
    expected_posts = WARMUP + args.requests
    if posted != expected_posts:
        raise RuntimeError(f"/incident list answered {posted} times on its response_url, expected {expected_posts}")
    if fake.block_errors:
        print(f"WARNING: the fake Slack rejected payloads: {fake.block_errors[:3]}")

    base = summary(baseline.latencies_ms)
    rows = {target.name: summary(target.latencies_ms) for target in (baseline, help_target, list_target)}
    print(f"{args.requests} sequential signed POSTs of each kind (after {WARMUP} warm-up), "
          "time to HTTP response in ms:")
    print(f"  {'':28} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}   overhead vs bare Bolt p50 / p99")
    for name, stats in rows.items():
        overhead = "" if name == baseline.name else (
            f"   {stats['p50'] - base['p50']:+6.2f} / {stats['p99'] - base['p99']:+6.2f}")
        print(f"  {name:28} {stats['p50']:7.2f} {stats['p95']:7.2f} {stats['p99']:7.2f} {stats['max']:7.2f}{overhead}")
    settle = summary(list_target.settle_ms)
    print(f"  (/incident list answered on its response_url after p50 {settle['p50']:.2f} ms, "
          f"p99 {settle['p99']:.2f} ms from the POST; not part of the ack)")
    worst = max(rows[help_target.name]["max"], rows[list_target.name]["max"])
    ok = worst < SLACK_ACK_DEADLINE_MS
    print(f"{verdict(ok)}: slowest Firebell ack {worst:.1f} ms (Slack's limit {SLACK_ACK_DEADLINE_MS:.0f} ms)")
    return {
        "benchmark": "ack_latency",
        "database": "postgresql" if url.startswith("postgresql") else "sqlite",
        "database_url": describe_url(url),
        "requests": args.requests,
        "baseline": base,
        "help": rows[help_target.name],
        "list": rows[list_target.name],
        "list_settled": settle,
        "pass": ok,
    }


def main(argv: list[str] | None = None) -> int:
    return main_for(parse_args, run, argv)


if __name__ == "__main__":
    sys.exit(main())
