"""Accepting alerts fast: the source's token (constant time), the payload's shape, the per-source storm
limit, then one INSERT committed before the answer. Processing happens after (bot/alerts/service.py)."""

from __future__ import annotations

import hmac
import json
import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from bot.alerts.parsing import BadAlert, parse
from bot.policy.alerts import SOURCES, AlertsPolicy

MAX_BODY = 1024 * 1024


class AlertRefused(Exception):
    """Answered as a JSON 4xx that names the problem; nothing was stored."""

    def __init__(self, status: int, reason: str, retry_after: int | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.retry_after = retry_after


@dataclass(frozen=True)
class Checked:
    source: str
    body: dict[str, Any]
    alert_count: int
    dedup_key: str | None


def check_token(policy: AlertsPolicy | None, source: str, offered: str | None, body: dict[str, Any] | None) -> None:
    """The source must be declared with a token, and the request must carry it: `Authorization: Bearer`,
    `?token=`, or (PagerDuty, whose senders only have the integration key) the routing_key."""
    if source not in SOURCES:
        raise AlertRefused(404, f"unknown alert source {source!r} (known: {', '.join(SOURCES)})")
    declared = policy.sources.get(source) if policy else None
    secret = declared.secret() if declared else None
    if secret is None:
        raise AlertRefused(404, f"alert source {source!r} is not enabled in the policy")
    candidates = [offered or ""]
    if source == "pagerduty" and body is not None and isinstance(body.get("routing_key"), str):
        candidates.append(body["routing_key"])
    # Every candidate is compared (no early exit), each in constant time.
    matched = [hmac.compare_digest(c.encode(), secret.encode()) for c in candidates]
    if not any(matched):
        raise AlertRefused(401, "missing or wrong token (send it as Authorization: Bearer or ?token=)")


def read_json(raw: bytes, content_type: str) -> dict[str, Any]:
    if content_type != "application/json":
        raise AlertRefused(415, f"content type must be application/json, not {content_type or 'missing'}")
    if len(raw) > MAX_BODY:
        raise AlertRefused(413, f"body is larger than {MAX_BODY} bytes")
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise AlertRefused(400, "body is not valid JSON") from None
    if not isinstance(body, dict):
        raise AlertRefused(400, "body must be a JSON object")
    return body


def check_payload(source: str, body: dict[str, Any]) -> Checked:
    try:
        events = parse(source, body)
    except BadAlert as bad:
        raise AlertRefused(400, str(bad)) from None
    dedup = body.get("dedup_key") if source == "pagerduty" else None
    return Checked(source=source, body=body, alert_count=len(events), dedup_key=dedup)


class StormLimit:
    """At most `limit` alerts per `per` seconds per source, in this process (a sliding log of arrivals)."""

    def __init__(self) -> None:
        self._log: dict[str, deque[tuple[float, int]]] = {}
        self._counts: dict[str, int] = {}

    def take(self, source: str, count: int, *, limit: int, per: float, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        arrivals = self._log.setdefault(source, deque())
        total = self._counts.get(source, 0)
        while arrivals and arrivals[0][0] <= now - per:
            total -= arrivals.popleft()[1]
        if total + count > limit:
            self._counts[source] = total
            wait = per - (now - arrivals[0][0]) if arrivals else per
            raise AlertRefused(429, f"more than {limit} alerts from {source} in {int(per)} s; try again later",
                               retry_after=max(1, math.ceil(wait)))
        arrivals.append((now, count))
        self._counts[source] = total + count
