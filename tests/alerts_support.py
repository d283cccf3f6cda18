"""Shared set-up of the alert tests: a policy with an `alerts:` section, posting, waiting for processing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import select

from storage.alerts_models import Alert, AlertIntake
from storage.models import Incident
from tests.conftest import TEST_POLICY, Harness, vectors_dir

TOKENS = {source: f"{source}-token-0123456789" for source in ("alertmanager", "grafana", "pagerduty", "generic")}

ALERTS_SECTION = f"""
alerts:
  declared_by: UALERTS
  commander: UONCALL1
  severity_map: {{critical: P0, error: P1, warning: P2, info: P3}}
  default_severity: P2
  title: "{{alertname}} {{instance}}"
  reopen_within: 1h
  limit: 300
  per: 5m
  sources:
    alertmanager: {{token: {TOKENS["alertmanager"]}}}
    grafana: {{token: {TOKENS["grafana"]}}}
    pagerduty: {{token: {TOKENS["pagerduty"]}}}
    generic: {{token: {TOKENS["generic"]}}}
  routes:
    - match: {{team: web}}
      severity: P0
      escalation: slow
    - match: {{team: db}}
      severity: P1
      service: database
      title: "DB: {{alertname}}"
"""

ALERTS_POLICY = TEST_POLICY + "channels: {ops: COPS}\n" + ALERTS_SECTION


def vector(path: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((vectors_dir() / path).read_text())
    return data


def vector_path(path: str) -> Path:
    return vectors_dir() / path


async def post_alert(app: Harness, source: str, body: Any, *, token: str | None = "default",
                     query_token: bool = False, content_type: str = "application/json",
                     raw: bytes | None = None) -> aiohttp.ClientResponse:
    token = TOKENS.get(source, "x" * 20) if token == "default" else token
    url = app.server.make_url(f"/alerts/{source}")
    headers = {"Content-Type": content_type}
    params = {}
    if token and query_token:
        params["token"] = token
    elif token:
        headers["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else json.dumps(body).encode()
    response = await app.http.post(url, data=data, headers=headers, params=params)
    await response.read()
    return response


async def processed(app: Harness, *, seconds: float = 2) -> None:
    """Wait until every stored alert is processed and its Slack effects delivered (the live message is
    edited no sooner than a second later: the clock is moved past that)."""
    alerts = app.firebell.services.alerts
    assert alerts is not None
    for _ in range(3):
        alerts.kick()
        await app.eventually(lambda: not alerts.busy)
        await app.settle()
        app.clock.advance(seconds=seconds)
        app.firebell.services.outbox.kick()
        await app.settle()
        await asyncio.sleep(0.01)


async def incidents(app: Harness) -> list[Incident]:
    async with app.firebell.services.sessions() as session:
        return list((await session.execute(select(Incident).order_by(Incident.id))).scalars())


async def stored_alerts(app: Harness) -> list[Alert]:
    async with app.firebell.services.sessions() as session:
        return list((await session.execute(select(Alert).order_by(Alert.id))).scalars())


async def intake_rows(app: Harness) -> list[AlertIntake]:
    async with app.firebell.services.sessions() as session:
        return list((await session.execute(select(AlertIntake).order_by(AlertIntake.id))).scalars())
