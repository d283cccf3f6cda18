"""The message shortcut "Declare incident": the declare form prefilled with the message and linking to it,
then declared like any form."""

from __future__ import annotations

from typing import Any

import yaml

from bot.alerts.shortcut import CALLBACK_ID, permalink, plain_text
from bot.slack import ids
from tests.alerts_support import incidents
from tests.conftest import Harness


def shortcut_payload(text: str, *, user: str = "UALICE", channel: str = "CGENERAL") -> dict[str, Any]:
    return {
        "type": "message_action",
        "callback_id": CALLBACK_ID,
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "team": {"id": "T0001", "domain": "acme"},
        "user": {"id": user, "name": user.lower(), "team_id": "T0001"},
        "channel": {"id": channel, "name": "general"},
        "message_ts": "1700000000.000200",
        "response_url": "https://hooks.slack.com/app/T0001/1/abc",
        "message": {"type": "message", "user": "UBOB", "ts": "1700000000.000200", "text": text},
    }


def test_markup_reads_as_text_and_the_permalink_is_slacks() -> None:
    assert plain_text("<@U123> saw <https://x.io/a|the graph> in <#C1|ops> &amp; &lt;b&gt;") == \
        "@U123 saw the graph in ops & <b>"
    assert permalink("acme", "C1", "1700000000.000200") == "https://acme.slack.com/archives/C1/p1700000000000200"
    assert permalink("evil.com/x", "C1", "1.2") is None


async def test_shortcut_opens_the_prefilled_form_and_declares(app: Harness) -> None:
    text = "Checkout returns 500 for 10 % of users\nSince 03:00, see <https://grafana.example/d/1|dashboard>"
    response = await app.send_payload(shortcut_payload(text))
    assert response.status == 200
    assert app.slack.views, "the declare form was opened"
    view = app.slack.views[-1]
    values = {b["block_id"]: (b.get("element") or {}).get("initial_value") for b in view["blocks"]}
    assert values[ids.DECLARE_TITLE_BLOCK] == "Checkout returns 500 for 10 % of users"
    assert "dashboard" in values[ids.DECLARE_DESCRIPTION_BLOCK]
    assert "https://acme.slack.com/archives/CGENERAL/p1700000000000200" in values[ids.DECLARE_DESCRIPTION_BLOCK]
    submitted = app.view_payload(view, {
        ids.DECLARE_TITLE_BLOCK: {ids.DECLARE_TITLE_ACTION: {"type": "plain_text_input",
                                                              "value": values[ids.DECLARE_TITLE_BLOCK]}},
        ids.DECLARE_SEVERITY_BLOCK: {ids.DECLARE_SEVERITY_ACTION: {
            "type": "static_select", "selected_option": {"value": "P1", "text": {"type": "plain_text", "text": "P1"}}}},
        ids.DECLARE_DESCRIPTION_BLOCK: {ids.DECLARE_DESCRIPTION_ACTION: {
            "type": "plain_text_input", "value": values[ids.DECLARE_DESCRIPTION_BLOCK]}},
    })
    await app.send_payload(submitted)
    [incident] = await incidents(app)
    assert incident.title == "Checkout returns 500 for 10 % of users"
    assert incident.description and "archives/CGENERAL/p1700000000000200" in incident.description


def test_manifest_declares_the_message_shortcut() -> None:
    from pathlib import Path

    manifest = yaml.safe_load((Path(__file__).resolve().parents[1] / "manifest.yml").read_text())
    shortcuts = manifest["features"]["shortcuts"]
    assert {"name": "Declare incident", "type": "message", "callback_id": CALLBACK_ID,
            "description": "Declare an incident from this message"} in shortcuts
