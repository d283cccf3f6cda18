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

from bot.slack import ids
from storage.models import (
    ChecklistEvent,
    Delivery,
    Incident,
    ProcessedRequest,
    ScheduledJob,
    TimelineEntry,
)
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


# --- values Firebell wrote itself, sent back changed: a short specific answer, nothing written ---------------


async def nothing_changed(app: Harness) -> None:
    """No domain row (a request may still be remembered, so a retry is not run twice)."""
    async with app.firebell.services.sessions() as session:
        for model in (Incident, TimelineEntry, Delivery, ScheduledJob, ChecklistEvent):
            assert (await session.execute(select(func.count()).select_from(model))).scalar_one() == 0, model


@pytest.mark.parametrize("value", ["9" * 40, "9" * 10, "²", "-1", "1.0", " 1", ""])
async def test_button_value_that_is_not_a_small_number(app: Harness, value: str) -> None:
    response = await app.click(ids.ACK, value)
    assert response.status == 200
    answer = app.last_response()
    assert answer.endswith("is not an incident number."), answer
    assert "Usage" not in answer and "went wrong" not in answer and len(answer) < 80
    await nothing_changed(app)


def modal(callback_id: str, metadata: str) -> dict[str, Any]:
    return {"type": "modal", "callback_id": callback_id, "private_metadata": metadata}


BAD_FORM = "This form is damaged or out of date; nothing was changed. Close it and open it again."
UPDATE_VALUES = {ids.UPDATE_TEXT_BLOCK: {ids.UPDATE_TEXT_ACTION: {"type": "plain_text_input", "value": "ok"}}}
DECLARE_VALUES = {
    ids.DECLARE_TITLE_BLOCK: {ids.DECLARE_TITLE_ACTION: {"type": "plain_text_input", "value": "Login fails"}},
    ids.DECLARE_SEVERITY_BLOCK: {ids.DECLARE_SEVERITY_ACTION: {"type": "static_select",
                                                               "selected_option": {"value": "P2"}}},
}
NA_VALUES = {
    ids.CHECKLIST_NA_ITEM_BLOCK: {ids.CHECKLIST_NA_ITEM_ACTION: {"type": "static_select",
                                                                 "selected_option": {"value": "0"}}},
    ids.CHECKLIST_NA_REASON_BLOCK: {ids.CHECKLIST_NA_REASON_ACTION: {"type": "plain_text_input", "value": "x"}},
}


@pytest.mark.parametrize(("callback_id", "values", "block", "metadata"), [
    (ids.UPDATE_VIEW, UPDATE_VALUES, ids.UPDATE_TEXT_BLOCK, "not json"),
    (ids.UPDATE_VIEW, UPDATE_VALUES, ids.UPDATE_TEXT_BLOCK, "[1, 2]"),
    (ids.UPDATE_VIEW, UPDATE_VALUES, ids.UPDATE_TEXT_BLOCK, ""),
    (ids.UPDATE_VIEW, UPDATE_VALUES, ids.UPDATE_TEXT_BLOCK, '{"incident": "' + "9" * 40 + '"}'),
    (ids.UPDATE_VIEW, UPDATE_VALUES, ids.UPDATE_TEXT_BLOCK, '{"incident": ' + "9" * 40 + "}"),
    (ids.UPDATE_VIEW, UPDATE_VALUES, ids.UPDATE_TEXT_BLOCK, '{"incident": ' + "9" * 5000 + "}"),
    (ids.UPDATE_VIEW, UPDATE_VALUES, ids.UPDATE_TEXT_BLOCK, '{"incident": true}'),
    (ids.UPDATE_VIEW, UPDATE_VALUES, ids.UPDATE_TEXT_BLOCK, '{"incident": 1.5}'),
    (ids.UPDATE_VIEW, UPDATE_VALUES, ids.UPDATE_TEXT_BLOCK, '{"incident": 1, "channel": {"id": "C1"}}'),
    (ids.UPDATE_VIEW, UPDATE_VALUES, ids.UPDATE_TEXT_BLOCK, '{"incident": 1, "channel": "<!channel>"}'),
    (ids.UPDATE_VIEW, UPDATE_VALUES, ids.UPDATE_TEXT_BLOCK, "[" * 3000),
    (ids.DECLARE_VIEW, DECLARE_VALUES, ids.DECLARE_TITLE_BLOCK, "not json"),
    (ids.DECLARE_VIEW, DECLARE_VALUES, ids.DECLARE_TITLE_BLOCK, '"a string"'),
    (ids.DECLARE_VIEW, DECLARE_VALUES, ids.DECLARE_TITLE_BLOCK, '{"channel": 42}'),
    (ids.CHECKLIST_NA_VIEW, NA_VALUES, ids.CHECKLIST_NA_REASON_BLOCK, "not a number"),
    (ids.CHECKLIST_NA_VIEW, NA_VALUES, ids.CHECKLIST_NA_REASON_BLOCK, "9" * 40),
    (ids.CHECKLIST_NA_VIEW, NA_VALUES, ids.CHECKLIST_NA_REASON_BLOCK, "-1"),
    (ids.CHECKLIST_NA_VIEW, NA_VALUES, ids.CHECKLIST_NA_REASON_BLOCK, ""),
])
async def test_modal_metadata_that_firebell_did_not_write(app: Harness, callback_id: str, values: dict[str, Any],
                                                          block: str, metadata: str) -> None:
    response = await app.send_payload(app.view_payload(modal(callback_id, metadata), values))
    assert response.status == 200
    body = await response.json()
    assert body == {"response_action": "errors", "errors": {block: BAD_FORM}}
    assert not app.slack.responses, "nothing else is said"
    await nothing_changed(app)
