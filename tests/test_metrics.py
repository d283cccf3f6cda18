"""`GET /metrics` in Prometheus' format, and the request's ids on every log line it writes."""

from __future__ import annotations

from typing import Any

import structlog
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Harness


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def scrape(app: Harness) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with app.http.get(str(app.server.make_url("/metrics"))) as response:
        assert response.status == 200
        assert response.content_type == "text/plain"
        return samples(await response.text())


def value(found: dict[Any, float], name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_count_requests_slack_calls_deliveries_and_open_incidents(app: Harness) -> None:
    before = await scrape(app)
    await app.command("declare P1 Checkout is down")
    await app.command("declare P2 Search is slow")
    await app.command("ack 1")
    await app.command("frobnicate 1")  # a usage error, answered in the ack
    await app.command("ack 99")  # no such incident: rejected after the ack
    after = await scrape(app)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("firebell_requests_total", type="command", outcome="ok") == 3
    assert grew("firebell_requests_total", type="command", outcome="rejected") == 2
    assert grew("firebell_ack_seconds_count", type="command") == 5
    assert grew("firebell_slack_calls_total", method="conversations.create", outcome="ok") == 2
    assert grew("firebell_slack_calls_total", method="chat.postMessage", outcome="ok") >= 4
    assert grew("firebell_delivery_seconds_count", kind="incident.feed") == 2
    assert value(after, "firebell_incidents_open", severity="P1") == 1
    assert value(after, "firebell_incidents_open", severity="P2") == 1
    assert ("firebell_outbox_depth", (("state", "pending"),)) in after
    assert ("firebell_outbox_oldest_seconds", ()) in after
    assert value(after, "firebell_metrics_database_up") == 1
    # P1's first tier is owed a page when its acknowledgement deadline passes; a timer waits for it.
    assert value(after, "firebell_timers", state="pending") >= 1


async def test_slack_errors_and_retries_are_counted_by_method(app: Harness) -> None:
    before = await scrape(app)
    app.slack.fail("conversations.create", "internal_error", status=500, times=1)
    app.slack.fail("chat.update", "message_not_found")
    await app.command("declare P2 Flaky Slack")
    await app.command("ack 1")
    after = await scrape(app)
    retried = (value(after, "firebell_slack_retries_total", method="conversations.create", reason="server_error")
               - value(before, "firebell_slack_retries_total", method="conversations.create", reason="server_error"))
    assert retried == 1
    refused = (value(after, "firebell_slack_calls_total", method="chat.update", outcome="message_not_found")
               - value(before, "firebell_slack_calls_total", method="chat.update", outcome="message_not_found"))
    assert refused == 1


async def test_timer_lateness_is_observed(app: Harness) -> None:
    before = await scrape(app)
    await app.command("declare P1 Nobody answers")
    await app.tick(minutes=3)
    after = await scrape(app)
    fired = (value(after, "firebell_timer_lateness_seconds_count", kind="escalate")
             - value(before, "firebell_timer_lateness_seconds_count", kind="escalate"))
    assert fired >= 1


async def test_every_log_line_of_a_request_carries_its_ids(app: Harness) -> None:
    app.slack.fail("chat.update", "message_not_found")  # a warning line from deep inside the delivery
    with structlog.testing.capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        await app.command("declare P2 Logged with ids", user="UBOB")
        await app.command("ack 1", user="UBOB")
    handled = [line for line in logs if line["event"] == "request_handled"]
    assert len(handled) == 2
    for line in logs:
        if line.get("request_type") == "command":
            assert line["request_id"].startswith("trigger:")
            assert line["team"] == "T0001" and line["user"] == "UBOB"
    assert handled[1]["incident"] == 1
    failed = [line for line in logs if line["event"] == "slack_call_failed" and line.get("method") == "chat.update"]
    assert failed and failed[0]["incident"] == 1 and failed[0]["request_id"] == handled[1]["request_id"]
