"""Routing rules: an alert's severity, service and title from the policy's `alerts:` section. Pure."""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from bot.alerts.parsing import AlertEvent
from bot.policy.alerts import AlertsPolicy, Route

TITLE_LIMIT = 200


@dataclass(frozen=True)
class Routed:
    severity: str
    service: str | None
    title: str
    commander: str | None
    rotation: str | None = None
    escalation: str | None = None


class _Blank(dict[str, Any]):
    """Placeholders with no value render empty instead of failing."""

    def __missing__(self, key: str) -> str:
        return ""


def _matches(route: Route, labels: dict[str, str]) -> bool:
    return all(labels.get(name, "").lower() == value.lower() for name, value in route.match.items())


def render_title(template: str, event: AlertEvent) -> str:
    values = _Blank({**event.annotations, **event.labels})
    title = " ".join(string.Formatter().vformat(template, (), values).split())
    return title or event.summary or event.labels.get("alertname") or event.alert_key


def route(event: AlertEvent, policy: AlertsPolicy, severities: tuple[str, ...], fallback: str) -> Routed:
    """The first matching route's choices, else the section's own; the severity from the label's value."""
    chosen = next((r for r in policy.routes if _matches(r, event.labels)), None)
    severity = chosen.severity if chosen and chosen.severity else None
    if severity is None:
        value = event.labels.get(policy.severity_label, "").lower()
        severity = policy.severity_map.get(value) or (value.upper() if value.upper() in severities else None)
    severity = severity or policy.default_severity or fallback
    service = (chosen.service if chosen and chosen.service else None) or event.labels.get(policy.service_label)
    if chosen and chosen.title:
        title = render_title(chosen.title, event)
    elif event.summary and "alertname" not in policy.title and event.labels.get("alertname") is None:
        title = event.summary
    else:
        title = render_title(policy.title, event)
    return Routed(severity=severity, service=service, title=title[:TITLE_LIMIT],
                  commander=chosen.commander if chosen else None, rotation=chosen.rotation if chosen else None,
                  escalation=chosen.escalation if chosen else None)
