"""Each source's payload read into alert events: pure, no database. A payload that is not what its source
documents raises BadAlert with a reason that names the problem; unknown extra fields are kept (`raw`)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

FIRING, RESOLVED, ACKNOWLEDGED = "firing", "resolved", "acknowledged"
MAX_KEY = 255
_PD_ACTIONS = {"trigger": FIRING, "acknowledge": ACKNOWLEDGED, "resolve": RESOLVED}
_PD_SEVERITIES = ("critical", "error", "warning", "info")


class BadAlert(ValueError):
    """The payload is not in its source's format: answered 400 with this reason, nothing stored."""


@dataclass(frozen=True)
class AlertEvent:
    alert_key: str  # de-duplication per alert: the fingerprint, else a hash of the sorted labels
    group_key: str  # de-duplication per incident: groupKey, dedup_key, the generic `group`
    status: str  # firing, resolved, acknowledged
    labels: dict[str, str]
    annotations: dict[str, str] = field(default_factory=dict)
    summary: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


def labels_hash(labels: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(sorted(labels.items()), ensure_ascii=False).encode()).hexdigest()[:32]


def _key(value: str) -> str:
    """Keys longer than the column are hashed, so two long keys never collide by truncation."""
    return value if len(value) <= MAX_KEY else "sha256:" + hashlib.sha256(value.encode()).hexdigest()


def _strings(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadAlert(f"{where} must be an object of strings")
    return {str(k): v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for k, v in value.items()}


def _status(value: Any, where: str) -> str:
    if value not in (FIRING, RESOLVED):
        raise BadAlert(f"{where} must be \"firing\" or \"resolved\"")
    return str(value)


def parse_alertmanager(body: dict[str, Any]) -> list[AlertEvent]:
    """Alertmanager's webhook (version 4); Grafana's contact point sends the same shape with more fields."""
    status = _status(body.get("status"), "status")
    alerts = body.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        raise BadAlert("alerts must be a non-empty list")
    events = []
    for index, alert in enumerate(alerts):
        if not isinstance(alert, dict):
            raise BadAlert(f"alerts[{index}] must be an object")
        labels = _strings(alert.get("labels"), f"alerts[{index}].labels")
        if not labels:
            raise BadAlert(f"alerts[{index}].labels is missing or empty")
        annotations = _strings(alert.get("annotations"), f"alerts[{index}].annotations")
        # Older Alertmanagers send no per-alert status: the notification's status holds for all.
        alert_status = _status(alert.get("status", status), f"alerts[{index}].status")
        fingerprint = alert.get("fingerprint")
        alert_key = fingerprint if isinstance(fingerprint, str) and fingerprint else labels_hash(labels)
        group = body.get("groupKey")
        group_key = group if isinstance(group, str) and group else labels_hash(_strings(body.get("groupLabels"),
                                                                                       "groupLabels") or labels)
        events.append(AlertEvent(alert_key=_key(alert_key), group_key=_key(group_key), status=alert_status,
                                 labels=labels, annotations=annotations,
                                 summary=annotations.get("summary") or annotations.get("message"), raw=alert))
    return events


def parse_pagerduty(body: dict[str, Any]) -> list[AlertEvent]:
    """PagerDuty Events API v2: trigger, acknowledge, resolve. A trigger without dedup_key gets one (and
    it is written into the stored body, so the answer and the processing agree)."""
    if not isinstance(body.get("routing_key"), str) or not body["routing_key"]:
        raise BadAlert("routing_key is missing")
    action = body.get("event_action")
    if action not in _PD_ACTIONS:
        raise BadAlert("event_action must be trigger, acknowledge or resolve")
    dedup_key = body.get("dedup_key")
    if dedup_key is not None and (not isinstance(dedup_key, str) or not dedup_key or len(dedup_key) > MAX_KEY):
        raise BadAlert("dedup_key must be a string of 1 to 255 characters")
    labels: dict[str, str] = {}
    summary = None
    if action == "trigger":
        payload = body.get("payload")
        if not isinstance(payload, dict):
            raise BadAlert("payload is missing")
        summary, source, severity = payload.get("summary"), payload.get("source"), payload.get("severity")
        if not isinstance(summary, str) or not summary.strip() or len(summary) > 1024:
            raise BadAlert("payload.summary must be a string of 1 to 1024 characters")
        if not isinstance(source, str) or not source:
            raise BadAlert("payload.source is missing")
        if severity not in _PD_SEVERITIES:
            raise BadAlert(f"payload.severity must be one of {', '.join(_PD_SEVERITIES)}")
        labels = {name: value for name in ("severity", "source", "component", "group", "class")
                  if isinstance(value := payload.get(name), str)}
        labels |= {f"custom_{k}": str(v) for k, v in (payload.get("custom_details") or {}).items()
                   if isinstance(payload.get("custom_details"), dict)}
        if dedup_key is None:
            dedup_key = uuid.uuid4().hex
            body["dedup_key"] = dedup_key
    elif dedup_key is None:
        raise BadAlert(f"dedup_key is required to {action}")
    return [AlertEvent(alert_key=dedup_key, group_key=dedup_key, status=_PD_ACTIONS[action], labels=labels,
                       summary=summary, raw=body)]


def parse_generic(body: dict[str, Any]) -> list[AlertEvent]:
    """Firebell's own small format (docs/alerts.md): one alert, or {"alerts": [...]} of them."""
    items = body.get("alerts", [body])
    if not isinstance(items, list) or not items:
        raise BadAlert("alerts must be a non-empty list")
    events = []
    for index, item in enumerate(items):
        where = f"alerts[{index}]." if "alerts" in body else ""
        if not isinstance(item, dict):
            raise BadAlert(f"alerts[{index}] must be an object")
        title = item.get("title")
        if not isinstance(title, str) or not title.strip() or len(title) > 300:
            raise BadAlert(f"{where}title must be a string of 1 to 300 characters")
        status = _status(item.get("status", FIRING), f"{where}status")
        labels = _strings(item.get("labels"), f"{where}labels")
        for name in ("severity", "service"):
            value = item.get(name)
            if value is not None and not isinstance(value, str):
                raise BadAlert(f"{where}{name} must be a string")
            if value:
                labels[name] = value
        labels.setdefault("alertname", title)
        for name in ("key", "group"):
            if item.get(name) is not None and (not isinstance(item[name], str) or not item[name]):
                raise BadAlert(f"{where}{name} must be a non-empty string")
        alert_key = item.get("key") or labels_hash(labels)
        description = item.get("description")
        events.append(AlertEvent(alert_key=_key(alert_key), group_key=_key(item.get("group") or alert_key),
                                 status=status, labels=labels, summary=title,
                                 annotations={"description": description} if isinstance(description, str) else {},
                                 raw=item))
    return events


PARSERS: dict[str, Callable[[dict[str, Any]], list[AlertEvent]]] = {
    "alertmanager": parse_alertmanager,
    "grafana": parse_alertmanager,
    "pagerduty": parse_pagerduty,
    "generic": parse_generic,
}


def parse(source: str, body: dict[str, Any]) -> list[AlertEvent]:
    return PARSERS[source](body)
