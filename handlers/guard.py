"""The gate in front of Bolt: a request that is not signed, or not shaped like Slack's, is refused with
a short JSON 4xx before anything runs, so no listener (and no database write) sees it."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

# Slack's own limit: a signed request older than this may be a replay.
MAX_AGE_SECONDS = 60 * 5
_USER_ID = re.compile(r"^[UW][A-Z0-9]{1,31}$")
_INTERACTIVE_TYPES = frozenset({"block_actions", "view_submission", "view_closed", "shortcut", "message_action",
                                "block_suggestion"})


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def check_signature(secret: bytes, body: bytes, headers: Mapping[str, str], now: float) -> None:
    """Slack's v0 signature over the raw bytes (slack_sdk's verifier decodes them first, which a
    body that is not UTF-8 turns into a crash), compared in constant time, within five minutes."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not timestamp.isdigit() or not signature:
        raise Refused(401, "missing or malformed signature headers")
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        raise Refused(401, "invalid signature or stale timestamp")
    expected = "v0=" + hmac.new(secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise Refused(401, "invalid signature or stale timestamp")


def parse_body(body: bytes, content_type: str) -> dict[str, Any]:
    """The request as Slack would send it: a form (commands, interactivity) or a JSON event."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None
    if content_type == "application/json":
        try:
            parsed = json.loads(text)
        except ValueError:
            raise Refused(400, "body is not valid JSON") from None
        if not isinstance(parsed, dict):
            raise Refused(400, "body must be a JSON object")
        return parsed
    try:
        form = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text))
    except ValueError:
        raise Refused(400, "body is not a valid form") from None
    fields = {name: values[-1] for name, values in form.items()}
    if "payload" in fields:
        try:
            payload = json.loads(fields["payload"])
        except ValueError:
            raise Refused(400, "payload is not valid JSON") from None
        if not isinstance(payload, dict):
            raise Refused(400, "payload must be a JSON object")
        return payload
    return fields


def _user_id(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and _USER_ID.match(value) else None


def check_shape(body: dict[str, Any]) -> None:
    """What the listeners rely on is there, with the right types."""
    if "command" in body:
        if _user_id(body.get("user_id")) is None:
            raise Refused(400, "user_id is missing or not a Slack user id")
        return
    kind = body.get("type")
    if kind in ("url_verification", "event_callback", "app_rate_limited"):
        if kind == "event_callback" and not isinstance(body.get("event"), dict):
            raise Refused(400, "event is missing")
        return
    if kind not in _INTERACTIVE_TYPES:
        raise Refused(400, "unknown request type")
    user = body.get("user")
    if not isinstance(user, dict) or _user_id(user) is None:
        raise Refused(400, "user is missing or not a Slack user id")
    if kind == "block_actions":
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions or not all(
                isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions):
            raise Refused(400, "actions must be a non-empty list of actions")
    if kind in ("view_submission", "view_closed"):
        view = body.get("view")
        if not isinstance(view, dict) or not isinstance(view.get("callback_id"), str):
            raise Refused(400, "view is missing its callback_id")
        if not isinstance(view.get("private_metadata", ""), str):
            raise Refused(400, "private_metadata must be a string")
