"""Pages by outbound HTTP (a tier's `webhooks:` target): one call per page, its body and headers templated
from the incident when delivered, sent through the outbox like any page, so a gateway that is down is
retried with backoff (5xx, 429, a refused connection) and one that refuses for good (4xx) is noted on the
timeline and told to the commander, as a Slack page failure is."""

from __future__ import annotations

import json
import os
import re
import string
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bot.errors import SlackCallFailed
from bot.i18n import Catalog
from bot.incidents.severity import SeverityTable
from bot.logging import get_logger
from bot.policy.alerts import BodyFormat, Webhook
from bot.policy.loader import PolicyHolder
from bot.slack.outbox import Owed, Steps
from storage.models import Incident

log = get_logger(__name__)

PAGE_WEBHOOK = "page.webhook"


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def incident_values(incident: Incident, severities: SeverityTable, t: Catalog, tier: str,
                    reason: str) -> dict[str, Any]:
    """What a webhook template may use (docs/alerts.md lists them)."""
    severity = severities.get(incident.severity)
    name = (severity.name_ko if t.locale == "ko" else severity.name_en) if severity else incident.severity
    return {
        "incident_id": incident.id, "title": incident.title, "severity": incident.severity, "severity_name": name,
        "status": incident.status, "service": incident.service or "", "channel": incident.channel_id or "",
        "tier": tier, "reason": reason, "dedup_key": f"firebell-incident-{incident.id}",
        "declared_at": incident.declared_at.isoformat(),
    }


def fill(template: Any, values: dict[str, Any]) -> Any:
    """Placeholders in every string of a JSON-like template; other values as they are."""
    if isinstance(template, str):
        return string.Formatter().vformat(template, (), _Blank(values))
    if isinstance(template, dict):
        return {key: fill(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [fill(value, values) for value in template]
    return template


_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def with_env(text: str, values: dict[str, Any]) -> str:
    """`{placeholders}` filled, then `${NAME}` from the environment (secrets: tokens, basic-auth pairs);
    an unset name stays as written. The environment's value is never read as a template."""
    names: list[str] = []

    def hold(match: re.Match[str]) -> str:
        names.append(match.group(1))
        return f"\x00{len(names) - 1}\x00"

    filled = str(fill(_ENV.sub(hold, text), values))
    return re.sub("\x00([0-9]+)\x00", lambda m: os.environ.get(names[int(m.group(1))],
                                                                 "${" + names[int(m.group(1))] + "}"), filled)


def build_request(hook: Webhook, values: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
    headers = {name: with_env(value, values) for name, value in hook.headers.items()}
    body = fill(hook.body, values)
    if hook.format is BodyFormat.FORM:
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        data = urlencode({k: str(v) for k, v in body.items()}).encode()
    else:
        headers.setdefault("Content-Type", "application/json")
        data = json.dumps(body, ensure_ascii=False).encode()
    return with_env(hook.url, values), headers, data


class WebhookSender:
    """The delivery of one `page.webhook`: the call, with HTTP outcomes mapped to the outbox's codes."""

    def __init__(self, *, policy: PolicyHolder, catalog: Catalog, incident_of: Any, reason_of: Any) -> None:
        self.policy = policy
        self.t = catalog
        self.incident_of = incident_of
        self.reason_of = reason_of

    async def __call__(self, owed: Owed, steps: Steps) -> None:
        if steps.get("status"):
            return  # the gateway took it before a crash; only the settling was left
        payload = owed.payload
        name = str(payload["target"])
        alerts = self.policy.policy.alerts
        hook = alerts.webhooks.get(name) if alerts else None
        if hook is None:
            raise SlackCallFailed("webhook", "webhook_not_defined")
        incident: Incident = await self.incident_of(owed)
        reason = str(await self.reason_of(incident, payload))
        values = incident_values(incident, self.policy.severities, self.t, str(payload.get("tier_name") or ""), reason)
        url, headers, data = build_request(hook, values)
        timeout = aiohttp.ClientTimeout(total=hook.timeout.total_seconds())
        try:
            # A session per page: pages are few, and nothing is left open when the process stops.
            async with aiohttp.ClientSession(timeout=timeout) as session, \
                    session.request(hook.method, url, data=data, headers=headers) as answer:
                await answer.read()
                status = answer.status
                retry_after = answer.headers.get("Retry-After")
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.warning("webhook_unreachable", webhook=name, error=type(exc).__name__)
            raise SlackCallFailed("webhook", "connection_error") from None
        if status >= 300:
            log.warning("webhook_refused", webhook=name, status=status)
            raise SlackCallFailed("webhook", f"http_{status}",
                                  retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None)
        await steps.save(status=status)
