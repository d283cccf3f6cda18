"""What Slack demands of an app: signatures, the 3-second ack, retries, API failures."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import func, select

from bot.slack import ids
from storage.models import Incident, ProcessedRequest
from tests.conftest import Harness, vectors_dir


async def count(app: Harness, model: Any) -> int:
    async with app.firebell.services.sessions() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


# --- signatures ----------------------------------------------------------------------------------


async def test_bad_signature_is_refused_and_touches_nothing(app: Harness) -> None:
    body = app.command_body("declare P0 Forged")
    response = await app.send(body, "application/x-www-form-urlencoded", secret="not-the-secret")
    assert response.status == 401
    assert await count(app, Incident) == 0
    assert await count(app, ProcessedRequest) == 0
    assert not app.slack.calls_to("conversations.create")


async def test_stale_timestamp_is_refused(app: Harness) -> None:
    body = app.command_body("declare P0 Replayed")
    response = await app.send(body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 6 * 60)
    assert response.status == 401
    assert await count(app, Incident) == 0


async def test_missing_signature_headers_are_refused(app: Harness) -> None:
    response = await app.http.post(app.url, data=app.command_body("declare P0 x"),
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 401
    assert await count(app, Incident) == 0


def test_harness_signs_exactly_like_slack() -> None:
    vector = json.loads((vectors_dir() / "slack" / "slack-signing-vector_slack-docs.json").read_text())
    from slack_sdk.signature import SignatureVerifier

    signature = SignatureVerifier(vector["signing_secret"]).generate_signature(
        timestamp=vector["timestamp"], body=vector["body"])
    assert signature == vector["expected_signature"]


async def test_slack_docs_vector_is_refused_as_too_old(make_harness: Any) -> None:
    vector = json.loads((vectors_dir() / "slack" / "slack-signing-vector_slack-docs.json").read_text())
    app = await make_harness(slack_signing_secret=vector["signing_secret"])
    headers = {"Content-Type": vector["content_type"], **vector["headers"]}
    response = await app.http.post(app.url, data=vector["body"].encode(), headers=headers)
    assert response.status == 401
    tampered = await app.http.post(app.url, data=(vector["body"] + "------").encode(), headers=headers)
    assert tampered.status == 401


async def test_real_slash_command_body_is_answered(app: Harness) -> None:
    """bolt-python's recorded slash-command body (enterprise fields, `+` encoding) aimed at /incident."""
    raw = (vectors_dir() / "slack" / "slack-slash-command_bolt-python.form.txt").read_text()
    body = raw.replace("command=%2Fhello-world", "command=%2Fincident")
    response = await app.send(body, "application/x-www-form-urlencoded")
    assert response.status == 200
    answer = await response.json()
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("I don't know `Hi`.")


async def test_real_app_home_opened_envelope(app: Harness) -> None:
    raw = (vectors_dir() / "slack" / "slack-app-home-opened-no-view_slack-go.json").read_text()
    response = await app.send(raw, "application/json")
    assert response.status == 200
    await app.settle()
    assert "U12345678" in app.slack.home_views


# --- retries --------------------------------------------------------------------------------------


async def test_slack_retry_of_a_command_declares_once(app: Harness) -> None:
    body = app.command_body("declare P1 Retried request")
    first = await app.send(body, "application/x-www-form-urlencoded")
    retry = await app.send(body, "application/x-www-form-urlencoded",
                           headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    await app.settle()
    assert (first.status, retry.status) == (200, 200)
    assert await count(app, Incident) == 1
    assert len(app.slack.calls_to("conversations.create")) == 1
    assert len(app.slack.posts_in("CFEED")) == 1


async def test_slack_retry_of_a_button_acts_once(app: Harness) -> None:
    await app.command("declare P1 Double click")
    payload = app.action_payload(ids.ACK, "1", user="UBOB")
    await app.send_payload(payload)
    await app.send_payload(payload, headers={"X-Slack-Retry-Num": "2"})
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    acks = [m for m in app.slack.posts_in(channel["id"]) if "acknowledged the incident" in (m.text or "")]
    assert len(acks) == 1


async def test_slack_retry_of_an_event_is_ignored(app: Harness) -> None:
    event = {"type": "app_home_opened", "user": "UBOB", "channel": "D1", "tab": "home"}
    await app.event(event, event_id="Ev0001")
    await app.event(event, event_id="Ev0001", headers={"X-Slack-Retry-Num": "1"})
    assert len(app.slack.calls_to("views.publish")) == 1


# --- Slack API failures after the ack ----------------------------------------------------------------


async def test_channel_creation_failure_keeps_the_incident_and_tells_the_declarer(app: Harness) -> None:
    app.slack.fail("conversations.create", "restricted_action")
    response = await app.command("declare P1 No channel for you")
    assert response.status == 200
    assert await count(app, Incident) == 1
    assert any("could not be created (restricted_action)" in t for t in app.slack.response_texts())
    assert len(app.slack.posts_in("CFEED")) == 1, "the feed still hears about it"
    health = await app.http.get(str(app.server.make_url("/healthz")))
    assert health.status == 200


async def test_rate_limit_is_retried_after_retry_after(app: Harness) -> None:
    app.slack.fail("conversations.create", "ratelimited", status=429, retry_after=1)
    started = time.monotonic()
    await app.command("declare P2 Busy Slack")
    assert time.monotonic() - started >= 1.0
    assert len(app.slack.calls_to("conversations.create")) == 2
    assert app.slack.channel_by_name_prefix("inc-1-") is not None


async def test_server_errors_exhaust_retries_and_are_reported(app: Harness) -> None:
    app.slack.fail("conversations.setTopic", "internal_error", status=500, times=3)
    await app.command("declare P2 Flaky topic")
    assert len(app.slack.calls_to("conversations.setTopic")) == 3
    assert any("could not set the channel topic" in t for t in app.slack.response_texts())
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None and app.slack.posts_in(channel["id"]), "the summary is posted regardless"


async def test_network_errors_are_retried_then_reported(app: Harness) -> None:
    app.slack.fail("conversations.invite", "disconnect")  # one dropped connection: retried
    app.slack.fail("conversations.setTopic", "disconnect", times=3)  # beyond the retries: reported
    await app.command("declare P2 Flaky network")
    assert len(app.slack.calls_to("conversations.invite")) == 2
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None and "UALICE" in channel["members"]
    assert any("could not set the channel topic (connection_error)" in t for t in app.slack.response_texts())
    assert any("Incident #1 declared" in t for t in app.slack.response_texts())


async def test_failing_call_right_after_ack_still_answers_200(app: Harness) -> None:
    """The Bolt async-runner trap: an exception within ms of ack() must not turn into a 404."""
    app.slack.fail("views.open", "expired_trigger_id")
    started = time.monotonic()
    response = await app.command("declare")
    assert response.status == 200
    assert time.monotonic() - started < 2.5
    assert app.last_response() == "Slack refused `views.open` (expired_trigger_id)."


async def test_unexpected_bug_gives_a_reference_not_a_traceback(app: Harness, monkeypatch: Any) -> None:
    async def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("boom with secret details")

    monkeypatch.setattr(app.firebell.services.incidents, "list", broken)
    response = await app.command("list")
    assert response.status == 200
    answer = app.last_response()
    assert answer.startswith("Something went wrong on our side") and "boom" not in answer


async def test_requests_never_wait_for_slack_to_say_who_the_bot_is(slack: Any, make_harness: Any) -> None:
    """auth.test rate-limited at start-up: commands are still acknowledged and carried out (Bolt's own
    authorization would answer "Please install this app" and drop them)."""
    slack.fail("auth.test", "ratelimited", status=429, retry_after=30, times=20)
    app = await make_harness()
    started = time.monotonic()
    response = await app.command("declare P2 While auth.test is limited")
    assert response.status == 200
    assert time.monotonic() - started < 3
    assert await count(app, Incident) == 1
    assert not any("install" in text.lower() for text in app.slack.response_texts())
