"""Test harness: the real app served over HTTP, signed requests, a fake Slack, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import Firebell, create_app
from bot.policy.loader import parse_policy
from bot.settings import load_settings, normalise_database_url
from bot.slack.standin import BOT_TOKEN, FakeSlack

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
VECTORS = Path(__file__).resolve().parents[2] / "shared" / "vectors"
PG_ENV = "FIREBELL_TEST_DATABASE_URL"


TEST_POLICY = """
version: 1
timezone: Asia/Seoul
default_severity: P2
severities:
  - {id: P0, name: {en: Critical, ko: 치명}, emoji: ":red_circle:", ack_within: 1m, resolve_within: 10m,
     update_every: 5m, broadcast: channel, escalation: fast,
     notify_on_declare: {name: Leads, users: [ULEAD1], notify: [dm]}}
  - {id: P1, name: {en: Major, ko: 중대}, emoji: ":large_orange_circle:", ack_within: 2m, resolve_within: 30m,
     update_every: 10m, broadcast: here, escalation: fast}
  - {id: P2, name: {en: Minor, ko: 경미}, ack_within: 5m, resolve_within: 1h, escalation: slow}
  - {id: P3, name: {en: Low, ko: 낮음}, ack_within: 1d, resolve_within: 7d}
  - {id: P4, name: {en: Trivial, ko: 사소}, ack_within: 3d, resolve_within: 14d}
escalation_policies:
  fast:
    tiers:
      - {name: L1 on-call, users: [UONCALL1], wait: 1m}
      - {name: L2 leads, usergroups: [SLEADS], wait: 2m}
      - {name: L3 CTO, users: [UCTO], wait: 5m}
  slow:
    tiers:
      - {name: L1 on-call, users: [UONCALL1], notify: [mention], wait: 10m}
manager_tier: {name: Managers, users: [UMANAGER], notify: [dm]}
"""


class MutableClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime.now(UTC).replace(microsecond=0)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


def vectors_dir() -> Path:
    if not VECTORS.is_dir():
        pytest.skip(f"shared test vectors are not present at {VECTORS}")
    return VECTORS


# --- databases -------------------------------------------------------------------------------------


async def _reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'firebell.db'}"
        return
    raw = os.environ.get(PG_ENV)
    if not raw:
        pytest.skip(f"PostgreSQL run skipped: set {PG_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    url = normalise_database_url(raw)
    try:
        await _reset_postgres(url)
    except OSError as exc:
        pytest.skip(f"PostgreSQL at {PG_ENV} is not reachable: {exc}")
    yield url


# --- the fake Slack and the app ----------------------------------------------------------------------


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.close()
    assert not fake.block_errors, f"Slack would reject these payloads: {fake.block_errors}"


def signed_headers(body: str, content_type: str, timestamp: int | None = None,
                   secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Headers exactly as Slack signs a request (v0 HMAC-SHA256 over `v0:timestamp:body`)."""
    ts = str(timestamp if timestamp is not None else int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


def slash_command_body(text: str, *, response_url: str, trigger_id: str, user: str = "UALICE",
                       channel: str = "CGENERAL", command: str = "/incident") -> str:
    return urlencode({
        "token": "verification-token-unused",
        "team_id": "T0001",
        "team_domain": "test",
        "channel_id": channel,
        "channel_name": "general",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0001",
        "response_url": response_url,
        "trigger_id": trigger_id,
    })


class Harness:
    """Drives one running Firebell over HTTP the way Slack does."""

    def __init__(self, firebell: Firebell, server: TestServer, slack: FakeSlack, clock: MutableClock) -> None:
        self.firebell = firebell
        self.server = server
        self.slack = slack
        self.clock = clock
        self.http = aiohttp.ClientSession()
        self._triggers = itertools.count(1)

    @property
    def url(self) -> str:
        return str(self.server.make_url("/slack/events"))

    def signed_headers(self, body: str, content_type: str, timestamp: int | None = None,
                       secret: str = SIGNING_SECRET) -> dict[str, str]:
        return signed_headers(body, content_type, timestamp, secret)

    async def send(self, body: str, content_type: str, headers: dict[str, str] | None = None,
                   **sign: Any) -> aiohttp.ClientResponse:
        all_headers = self.signed_headers(body, content_type, **sign)
        all_headers.update(headers or {})
        response = await self.http.post(self.url, data=body.encode(), headers=all_headers)
        await response.read()
        return response

    def command_body(self, text: str, *, user: str = "UALICE", channel: str = "CGENERAL",
                     trigger_id: str | None = None, command: str = "/incident") -> str:
        trigger = trigger_id or f"trigger-{next(self._triggers)}-{uuid.uuid4().hex[:6]}"
        return slash_command_body(text, response_url=self.slack.response_url(trigger), trigger_id=trigger,
                                  user=user, channel=channel, command=command)

    async def command(self, text: str, *, settle: bool = True, headers: dict[str, str] | None = None,
                      **kwargs: Any) -> aiohttp.ClientResponse:
        response = await self.send(self.command_body(text, **kwargs), "application/x-www-form-urlencoded",
                                   headers)
        if settle:
            await self.settle()
        return response

    def action_payload(self, action_id: str, value: str, *, user: str = "UALICE",
                       channel: str = "CGENERAL", message_ts: str = "1700000000.000001") -> dict[str, Any]:
        trigger = f"trigger-{next(self._triggers)}-{uuid.uuid4().hex[:6]}"
        return {
            "type": "block_actions",
            "team": {"id": "T0001", "domain": "test"},
            "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
            "api_app_id": "A0001",
            "token": "verification-token-unused",
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
            "trigger_id": trigger,
            "channel": {"id": channel, "name": "incident"},
            "message": {"type": "message", "ts": message_ts, "text": "incident"},
            "response_url": self.slack.response_url(trigger),
            "actions": [{
                "action_id": action_id,
                "block_id": "incident.actions:1",
                "text": {"type": "plain_text", "text": "button"},
                "value": value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }],
        }

    async def click(self, action_id: str, value: str, *, settle: bool = True, **kwargs: Any) -> aiohttp.ClientResponse:
        payload = self.action_payload(action_id, value, **kwargs)
        return await self.send_payload(payload, settle=settle)

    async def send_payload(self, payload: dict[str, Any], *, settle: bool = True,
                           headers: dict[str, str] | None = None) -> aiohttp.ClientResponse:
        body = urlencode({"payload": json.dumps(payload)})
        response = await self.send(body, "application/x-www-form-urlencoded", headers)
        if settle:
            await self.settle()
        return response

    def view_payload(self, view: dict[str, Any], values: dict[str, dict[str, Any]], *,
                     user: str = "UALICE") -> dict[str, Any]:
        return {
            "type": "view_submission",
            "team": {"id": "T0001", "domain": "test"},
            "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
            "api_app_id": "A0001",
            "token": "verification-token-unused",
            "trigger_id": f"trigger-{next(self._triggers)}-{uuid.uuid4().hex[:6]}",
            "view": {
                **view,
                "id": f"VSUB{uuid.uuid4().hex[:8].upper()}",
                "team_id": "T0001",
                "state": {"values": values},
                "hash": "1700000000.abcdef",
            },
            "response_urls": [],
        }

    async def event(self, event: dict[str, Any], *, event_id: str | None = None, settle: bool = True,
                    headers: dict[str, str] | None = None) -> aiohttp.ClientResponse:
        envelope = {
            "token": "verification-token-unused",
            "team_id": "T0001",
            "api_app_id": "A0001",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": "T0001", "user_id": "UFIREBELL", "is_bot": True}],
        }
        response = await self.send(json.dumps(envelope), "application/json", headers)
        if settle:
            await self.settle()
        return response

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait until every listener's post-ack work has finished."""
        deadline = time.monotonic() + timeout
        await asyncio.sleep(0.02)
        while self.firebell.services.inflight or self.firebell.services.outbox.busy:
            if time.monotonic() > deadline:
                raise AssertionError("post-ack work did not finish in time")
            await asyncio.sleep(0.01)

    async def eventually(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("condition not met in time")
            await asyncio.sleep(0.02)

    async def answer(self, response: aiohttp.ClientResponse) -> str:
        """What the person saw: the text in the ack itself, else the last private answer after it."""
        if response.content_type == "application/json":
            text = (await response.json()).get("text")
            if text:
                return str(text)
        return self.last_response()

    def last_response(self) -> str:
        assert self.slack.responses, "nobody was answered"
        return str(self.slack.responses[-1].get("text", ""))

    async def tick(self, **advance: float) -> int:
        """Move the clock, then run one scheduler tick the way APScheduler would."""
        if advance:
            self.clock.advance(**advance)
        fired = await self.firebell.services.timers.tick()
        self.firebell.services.outbox.kick()  # as the scheduler's tick does: retries that fell due
        await self.settle()
        return fired

    async def close(self) -> None:
        await self.http.close()
        await self.server.close()
        await self.firebell.close()


AppFactory = Callable[..., Awaitable[Harness]]


@pytest.fixture
async def make_harness(database_url: str, slack: FakeSlack) -> AsyncIterator[AppFactory]:
    """Build (and rebuild, for restart tests) the app on the same database and fake Slack."""
    harnesses: list[Harness] = []

    async def build(*, locale: str = "en", clock: MutableClock | None = None, feed: str | None = "CFEED",
                    policy: str = TEST_POLICY, **overrides: Any) -> Harness:
        values: dict[str, Any] = {
            "slack_bot_token": BOT_TOKEN,
            "slack_signing_secret": SIGNING_SECRET,
            "slack_api_url": slack.url,
            "database_url": database_url,
            "firebell_feed_channel": feed,
            "firebell_locale": locale,
            # Slack's pace is tested on its own (tests/test_slack_pace.py); elsewhere bursts go unpaced.
            "firebell_slack_pace": 0,
            "_env_file": None,
        }
        settings = load_settings(**{**values, **overrides})
        clock = clock or MutableClock()
        firebell = create_app(settings, clock=clock, policy=parse_policy(policy, "test policy"))
        await firebell.prepare(migrate=True)
        server = TestServer(firebell.web, host="127.0.0.1")
        await server.start_server()
        harness = Harness(firebell, server, slack, clock)
        harnesses.append(harness)
        return harness

    yield build
    for harness in harnesses:
        await harness.close()


@pytest.fixture
async def app(make_harness: AppFactory) -> Harness:
    return await make_harness()
