"""Pages reach phones: a tier's `webhooks:` target calls an HTTP gateway per page through the outbox, with
its body and headers templated; a gateway that is down is retried until it is up, one that refuses for good
is noted on the timeline."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.escalation.webhooks import build_request, incident_values
from bot.i18n import Catalog
from bot.policy.alerts import Webhook
from storage.models import TimelineEntry
from storage.repositories import outbox as delivery_rows
from tests.alerts_support import ALERTS_POLICY, incidents, post_alert, processed
from tests.conftest import AppFactory


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_policy(port: int) -> str:
    hooks = f"""
  webhooks:
    sms:
      url: http://127.0.0.1:{port}/2010-04-01/Accounts/AC123/Messages.json
      format: form
      headers: {{Authorization: "Basic ${{FIREBELL_TEST_TWILIO_BASIC}}"}}
      body: {{To: "+821012345678", From: "+15005550006", Body: "[{{severity}}] #{{incident_id}} {{title}}"}}
    refuses:
      url: http://127.0.0.1:{port}/refuse
      body: {{routing_key: "abc", event_action: trigger, dedup_key: "{{dedup_key}}",
             payload: {{summary: "{{title}}", source: firebell, severity: critical}}}}
"""
    policy = ALERTS_POLICY.replace("notify_on_declare: {name: Leads, users: [ULEAD1], notify: [dm]}",
                                   "notify_on_declare: {name: Leads, users: [ULEAD1], webhooks: [sms, refuses], "
                                   "notify: [dm]}")
    assert "webhooks: [sms" in policy
    return policy + hooks


class Receiver:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], str]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((request.path, dict(request.headers), await request.text()))
        if request.path == "/refuse":
            return web.json_response({"status": "invalid event"}, status=400)
        return web.json_response({"sid": "SM1"}, status=201)


def test_templates_fill_body_headers_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_TOKEN", "s3cret")
    hook = Webhook(url="https://gw.example/${GATEWAY_TOKEN}/send", headers={"X-Token": "${GATEWAY_TOKEN}"},
                   body={"text": "{severity_name}: {title} <{missing}>", "n": 3, "list": ["{incident_id}"]})
    values = {"severity_name": "Critical", "title": "DB down", "incident_id": 7}
    url, headers, data = build_request(hook, values)
    assert url == "https://gw.example/s3cret/send"
    assert headers["X-Token"] == "s3cret" and headers["Content-Type"] == "application/json"
    assert data == b'{"text": "Critical: DB down <>", "n": 3, "list": ["7"]}'


async def test_template_values_name_the_incident(make_harness: AppFactory) -> None:
    app = await make_harness(policy=ALERTS_POLICY, locale="ko")
    await post_alert(app, "generic", {"title": "Disk above 90 %", "severity": "critical"})
    await processed(app)
    [incident] = await incidents(app)
    values = incident_values(incident, app.firebell.services.policy.severities, Catalog("ko"), "L1", "why")
    assert values["severity_name"] == "치명" and values["dedup_key"] == f"firebell-incident-{incident.id}"


async def test_webhook_page_retried_while_the_receiver_is_down_then_delivered(
        make_harness: AppFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIREBELL_TEST_TWILIO_BASIC", "QUMxMjM6dG9rZW4=")
    port = free_port()
    app = await make_harness(policy=webhook_policy(port))
    alert: dict[str, Any] = {"title": "Error rate above 5 %", "severity": "critical", "service": "checkout"}
    await post_alert(app, "generic", alert)
    await processed(app)
    [incident] = await incidents(app)
    assert incident.severity == "P0"
    async with app.firebell.services.sessions() as session:
        sms_row = await delivery_rows.get(f"page:declare:{incident.id}:sms:webhook", session=session)
    assert sms_row is not None and (sms_row.state, sms_row.last_error) == ("pending", "connection_error")
    receiver = Receiver()
    server = web.Application()
    server.router.add_post("/{tail:.*}", receiver.handle)
    runner = web.AppRunner(server)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        for _ in range(6):  # the backoff grows: a few turns of the clock
            app.clock.advance(minutes=2)
            app.firebell.services.outbox.kick()
            await app.settle()
            if len(receiver.requests) >= 2:
                break
    finally:
        await runner.cleanup()
    sms = [r for r in receiver.requests if r[0].endswith("/Messages.json")]
    assert len(sms) == 1
    _path, headers, body = sms[0]
    assert headers["Authorization"] == "Basic QUMxMjM6dG9rZW4="
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "To=%2B821012345678" in body and "Error+rate+above+5+%25" in body and "%5BP0%5D" in body
    refused = [r for r in receiver.requests if r[0] == "/refuse"]
    assert len(refused) == 1 and '"dedup_key": "firebell-incident-1"' in refused[0][2]
    async with app.firebell.services.sessions() as session:
        entries = (await session.execute(select(TimelineEntry).where(TimelineEntry.incident_id == incident.id)
                                         .order_by(TimelineEntry.id))).scalars().all()
    paged = [e.data for e in entries if e.kind == "paged" and e.data.get("via") == "webhook"]
    failed = [e.data for e in entries if e.kind == "page_failed" and e.data.get("via") == "webhook"]
    assert [p["target"] for p in paged] == ["sms"]
    assert failed and failed[0]["target"] == "refuses" and failed[0]["reason"] == "http_400"
