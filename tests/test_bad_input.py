"""Malformed requests get a short JSON 4xx before anything runs; nothing is written for them."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from storage.models import Delivery, Incident, ProcessedRequest
from tests.conftest import SIGNING_SECRET, Harness

FORM = "application/x-www-form-urlencoded"


async def nothing_written(app: Harness) -> None:
    async with app.firebell.services.sessions() as session:
        for model in (Incident, ProcessedRequest, Delivery):
            assert (await session.execute(select(func.count()).select_from(model))).scalar_one() == 0, model


async def refused(response: Any, status: int = 400) -> str:
    assert response.status == status
    assert response.content_type == "application/json"
    return str((await response.json())["error"])


def payload_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


async def test_body_that_is_not_utf8(app: Harness) -> None:
    body = b"command=%2Fincident&text=\xff\xfe&user_id=UALICE"
    timestamp = str(int(time.time()))
    # Signed over the raw bytes, exactly as Slack signs: only the encoding is wrong.
    signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), f"v0:{timestamp}:".encode() + body,
                                 hashlib.sha256).hexdigest()
    headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}
    response = await app.http.post(app.url, data=body, headers=headers)
    assert "UTF-8" in await refused(response)
    await nothing_written(app)


@pytest.mark.parametrize(("body", "content_type", "reason"), [
    ("{not json", "application/json", "not valid JSON"),
    ("[1, 2]", "application/json", "JSON object"),
    ("payload=%7Bbroken", FORM, "payload is not valid JSON"),
    ("payload=%5B%5D", FORM, "payload must be a JSON object"),
    ("a=1&&&=", FORM, "valid form"),
])
async def test_bodies_that_do_not_parse(app: Harness, body: str, content_type: str, reason: str) -> None:
    assert reason in await refused(await app.send(body, content_type))
    await nothing_written(app)


async def test_timestamp_that_is_not_a_number(app: Harness) -> None:
    body = app.command_body("declare P1 Odd timestamp")
    headers = app.signed_headers(body, FORM)
    headers["X-Slack-Request-Timestamp"] = "soon"
    response = await app.http.post(app.url, data=body, headers=headers)
    assert "signature" in await refused(response, 401)
    await nothing_written(app)


async def test_actions_that_are_empty(app: Harness) -> None:
    payload = app.action_payload("incident.ack", "1")
    payload["actions"] = []
    assert "actions" in await refused(await app.send(payload_body(payload), FORM))
    await nothing_written(app)


@pytest.mark.parametrize("user", [None, "", 42, {"name": "no id"}, {"id": "<!channel>"}, "UALICE"])
async def test_button_with_a_missing_or_odd_user(app: Harness, user: Any) -> None:
    payload = app.action_payload("incident.ack", "1")
    if user is None:
        del payload["user"]
    else:
        payload["user"] = user
    assert "user" in await refused(await app.send(payload_body(payload), FORM))
    await nothing_written(app)


async def test_command_without_a_user(app: Harness) -> None:
    body = app.command_body("declare P1 Nobody").replace("user_id=UALICE", "user_id=")
    assert "user_id" in await refused(await app.send(body, FORM))
    await nothing_written(app)


async def test_view_without_callback_or_with_odd_metadata(app: Harness) -> None:
    view = {"type": "modal", "private_metadata": {"not": "a string"}, "callback_id": "incident.declare"}
    payload = app.view_payload(view, {})
    assert "private_metadata" in await refused(await app.send(payload_body(payload), FORM))
    del payload["view"]["callback_id"]
    assert "callback_id" in await refused(await app.send(payload_body(payload), FORM))
    await nothing_written(app)


async def test_unknown_request_type(app: Harness) -> None:
    assert "unknown" in await refused(await app.send(payload_body({"type": "surprise"}), FORM))
    await nothing_written(app)
