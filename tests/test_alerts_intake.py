"""POST /alerts/{source}: tokens, bad input answered as JSON 4xx with nothing stored, the storm limit,
and the durability of what was accepted (stored before the 202, processed after, even across a restart)."""

from __future__ import annotations

import json

import pytest

from tests.alerts_support import (
    ALERTS_POLICY,
    TOKENS,
    incidents,
    intake_rows,
    post_alert,
    processed,
    vector,
)
from tests.conftest import AppFactory, Harness


@pytest.fixture
async def alerts_app(make_harness: AppFactory) -> Harness:
    return await make_harness(policy=ALERTS_POLICY)


SOURCES = [
    ("alertmanager", "alertmanager/am-firing-single_alertmanager-bot.json"),
    ("grafana", "grafana/grafana-webhook-firing-2alerts_grafana-docs.json"),
    ("pagerduty", "pagerduty/pd-events-v2-trigger_developer-docs.json"),
]


@pytest.mark.parametrize(("source", "path"), SOURCES)
async def test_each_source_accepts_its_documented_payload(alerts_app: Harness, source: str, path: str) -> None:
    response = await post_alert(alerts_app, source, vector(path))
    assert response.status == 202, await response.text()
    body = await response.json()
    assert body["status"] == "accepted"
    if source == "pagerduty":
        assert body["dedup_key"] == "samplekeyhere"
    await processed(alerts_app)
    opened = await incidents(alerts_app)
    assert len(opened) == 1
    assert opened[0].declared_by == "UALERTS"
    assert [row.state for row in await intake_rows(alerts_app)] == ["done"]


async def test_generic_format_and_query_token(alerts_app: Harness) -> None:
    alert = {"title": "Health check failed: checkout", "service": "checkout", "severity": "critical",
             "key": "hc-checkout", "labels": {"region": "kr"}, "runbook": "kept, not refused"}
    response = await post_alert(alerts_app, "generic", alert, query_token=True)
    assert response.status == 202
    await processed(alerts_app)
    [incident] = await incidents(alerts_app)
    assert (incident.severity, incident.service, incident.title) == ("P0", "checkout", "Health check failed: checkout")
    rows = await intake_rows(alerts_app)
    assert rows[0].body["runbook"] == "kept, not refused"  # unknown extra fields are kept


@pytest.mark.parametrize(("token", "query"), [(None, False), ("wrong-token-0123456789", False),
                                              ("wrong-token-0123456789", True), (TOKENS["grafana"], False)])
async def test_wrong_or_missing_token_is_401_and_nothing_is_stored(alerts_app: Harness, token: str | None,
                                                                   query: bool) -> None:
    response = await post_alert(alerts_app, "alertmanager", {"status": "firing"}, token=token, query_token=query)
    assert response.status == 401
    assert "token" in (await response.json())["error"]
    assert await intake_rows(alerts_app) == []


async def test_pagerduty_routing_key_counts_as_the_token(alerts_app: Harness) -> None:
    event = {"routing_key": TOKENS["pagerduty"], "event_action": "trigger",
             "payload": {"summary": "Disk above 90 %", "source": "db-1", "severity": "warning"}}
    response = await post_alert(alerts_app, "pagerduty", event, token=None)
    assert response.status == 202
    assert len((await response.json())["dedup_key"]) == 32  # one is made when the sender gave none


BAD = [
    ("alertmanager", b"{not json", "application/json", 400, "not valid JSON"),
    ("alertmanager", b"[1, 2]", "application/json", 400, "JSON object"),
    ("alertmanager", json.dumps({"status": "firing"}).encode(), "application/json", 400, "alerts"),
    ("alertmanager", json.dumps({"status": "burning", "alerts": [{"labels": {"a": "b"}}]}).encode(),
     "application/json", 400, "status"),
    ("alertmanager", json.dumps({"status": "firing", "alerts": [{"annotations": {}}]}).encode(),
     "application/json", 400, "labels"),
    ("alertmanager", b"status=firing", "application/x-www-form-urlencoded", 415, "content type"),
    ("pagerduty", json.dumps({"routing_key": "k", "event_action": "resolve"}).encode(), "application/json", 400,
     "dedup_key"),
    ("pagerduty", json.dumps({"routing_key": "k", "event_action": "trigger", "payload": {"summary": "x",
                                                                                         "source": "y"}}).encode(),
     "application/json", 400, "payload.severity"),
    ("pagerduty", json.dumps({"routing_key": "k", "event_action": "trigger", "dedup_key": "d" * 256,
                              "payload": {}}).encode(), "application/json", 400, "dedup_key"),
    ("generic", json.dumps({"status": "firing"}).encode(), "application/json", 400, "title"),
    ("nagios", b"{}", "application/json", 404, "unknown alert source"),
]


@pytest.mark.parametrize(("source", "raw", "content_type", "status", "says"), BAD)
async def test_bad_input_is_a_json_4xx_that_names_the_problem(alerts_app: Harness, source: str, raw: bytes,
                                                              content_type: str, status: int, says: str) -> None:
    response = await post_alert(alerts_app, source, None, raw=raw, content_type=content_type)
    assert response.status == status
    assert response.content_type == "application/json"
    assert says in (await response.json())["error"]
    assert await intake_rows(alerts_app) == []


async def test_body_over_one_megabyte_is_413(alerts_app: Harness) -> None:
    alert = {"title": "big", "description": "x" * (1024 * 1024)}
    response = await post_alert(alerts_app, "generic", alert)
    assert response.status == 413
    assert "larger than" in (await response.json())["error"]
    assert await intake_rows(alerts_app) == []


async def test_storm_limit_answers_429_with_retry_after(make_harness: AppFactory) -> None:
    app = await make_harness(policy=ALERTS_POLICY.replace("limit: 300", "limit: 3"))
    statuses = []
    for n in range(5):
        response = await post_alert(app, "generic", {"title": f"flap {n}", "group": "one"})
        statuses.append(response.status)
        if response.status == 429:
            assert int(response.headers["Retry-After"]) >= 1
    assert statuses == [202, 202, 202, 429, 429]
    assert len(await intake_rows(app)) == 3


async def test_an_accepted_alert_survives_a_crash_before_processing(make_harness: AppFactory) -> None:
    first = await make_harness(policy=ALERTS_POLICY)
    alerts = first.firebell.services.alerts
    assert alerts is not None
    alerts._closed = True  # this process "dies" right after answering: nothing is processed here
    response = await post_alert(first, "alertmanager", vector("alertmanager/am-firing-single_alertmanager-bot.json"))
    assert response.status == 202
    assert [row.state for row in await intake_rows(first)] == ["pending"]
    assert await incidents(first) == []
    # A new process on the same database picks it up at start-up.
    second = await make_harness(policy=ALERTS_POLICY)
    await processed(second)
    assert len(await incidents(second)) == 1
    assert [row.state for row in await intake_rows(second)] == ["done"]


async def test_a_failed_unit_is_retried_after_a_backoff(alerts_app: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.alerts import groups

    real_run = groups.GroupUnit.run
    calls = {"n": 0}

    async def flaky_run(self: groups.GroupUnit) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database hiccup")
        await real_run(self)

    monkeypatch.setattr(groups.GroupUnit, "run", flaky_run)
    await post_alert(alerts_app, "alertmanager", vector("alertmanager/am-firing-single_alertmanager-bot.json"))
    await processed(alerts_app, seconds=0)
    [row] = await intake_rows(alerts_app)
    assert (row.state, row.attempts) == ("processing", 1) and "database hiccup" in (row.last_error or "")
    assert await incidents(alerts_app) == []
    alerts_app.clock.advance(seconds=5)  # the backoff (2 s after the first attempt) is over
    await processed(alerts_app)
    [row] = await intake_rows(alerts_app)
    assert row.state == "done"
    assert len(await incidents(alerts_app)) == 1
