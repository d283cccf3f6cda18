"""The policy's `alerts:` section: the monitoring sources and their tokens, routing rules (which labels
give the severity, the service and the title), de-duplication windows, resolving and the storm limits."""

from __future__ import annotations

import os
import string
from datetime import timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.policy.fields import USER_ID, Duration

SOURCES = ("alertmanager", "grafana", "pagerduty", "generic")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _template(value: str) -> str:
    """A title template: `{label}` placeholders only (format specs and attribute access refused)."""
    try:
        fields = [name for _text, name, spec, conv in string.Formatter().parse(value) if name is not None
                  and (spec or conv or not name.replace("_", "").replace("-", "").isalnum())]
    except ValueError as exc:
        raise ValueError(f"bad title template {value!r}: {exc}") from None
    if fields:
        raise ValueError(f"title templates take plain {{label}} placeholders only, got {fields}")
    return value


Template = Annotated[str, AfterValidator(_template)]


class Source(_Strict):
    """One monitoring source: its token (in the file, or the name of an environment variable)."""

    token: str | None = Field(default=None, min_length=16)
    token_env: str | None = None

    @model_validator(mode="after")
    def _one_token(self) -> Source:
        if (self.token is None) == (self.token_env is None):
            raise ValueError("give exactly one of token (16+ characters) or token_env (an environment variable)")
        return self

    def secret(self) -> str | None:
        """The token now; None when its environment variable is unset (the source then refuses everything)."""
        if self.token is not None:
            return self.token
        value = os.environ.get(self.token_env or "")
        return value if value and len(value) >= 16 else None


class Route(_Strict):
    """When every `match` label equals (case-insensitive), these apply; the first matching route wins."""

    match: dict[str, str] = Field(default_factory=dict)
    severity: str | None = None
    service: str | None = None
    title: Template | None = None
    commander: str | None = None
    # The commander is whoever is on call in this rotation when the incident opens (else `commander`).
    rotation: str | None = None
    # The escalation policy these incidents follow, instead of their severity's.
    escalation: str | None = None

    @field_validator("commander")
    @classmethod
    def _user(cls, v: str | None) -> str | None:
        if v is not None and not USER_ID.match(v):
            raise ValueError(f"expected a Slack user id (U…), got {v!r}")
        return v


class BodyFormat(StrEnum):
    JSON = "json"
    FORM = "form"  # application/x-www-form-urlencoded (Twilio's Messages API)


class Webhook(_Strict):
    """An outbound HTTP call per page (a tier's `webhooks:` target): an SMS or voice gateway, PagerDuty,
    Opsgenie. `{placeholders}` in the body and headers take the incident's values (docs/alerts.md);
    `${VARIABLE}` in the url and headers takes an environment variable, so secrets stay out of the file."""

    url: str = Field(pattern=r"^https?://")
    method: str = Field(default="POST", pattern=r"^(POST|PUT)$")
    format: BodyFormat = BodyFormat.JSON
    headers: dict[str, str] = Field(default_factory=dict)
    body: dict[str, object] = Field(default_factory=dict)
    timeout: Duration = timedelta(seconds=10)


class ResolveMode(StrEnum):
    AUTO = "auto"  # resolve the incident when all its alerts resolved
    ASK = "ask"  # post "all alerts resolved — resolve the incident?" with a button


class AlertsPolicy(_Strict):
    sources: dict[str, Source] = Field(default_factory=dict)
    # Who declares (and, without a route's commander, commands) incidents opened by alerts.
    declared_by: str = "USLACKBOT"
    # The incident commander when no route names one (else declared_by); invited to the channel.
    commander: str | None = None
    # Label (or PagerDuty field) that names the severity, and how its values map to the policy's ids.
    severity_label: str = "severity"
    severity_map: dict[str, str] = Field(default_factory=lambda: {
        "critical": "P0", "error": "P1", "warning": "P2", "info": "P3"})
    default_severity: str | None = None
    service_label: str = "service"
    title: Template = "{alertname}"
    routes: list[Route] = Field(default_factory=list)
    resolve: ResolveMode = ResolveMode.AUTO
    # A firing alert whose incident resolved less than this long ago reopens it instead of declaring anew.
    reopen_within: Duration = timedelta(hours=1)
    # Per source: at most `limit` alerts per `per` (Grafana OnCall's default: 300 per 5 minutes).
    limit: int = Field(default=300, ge=1)
    per: Duration = timedelta(minutes=5)
    # The alerts' live message in an incident channel is edited at most this often (a storm is coalesced).
    update_every: Duration = timedelta(seconds=1)
    # Outbound pages by HTTP, named by escalation tiers (`webhooks: [sms]`).
    webhooks: dict[str, Webhook] = Field(default_factory=dict)

    @field_validator("sources")
    @classmethod
    def _known_sources(cls, v: dict[str, Source]) -> dict[str, Source]:
        unknown = sorted(set(v) - set(SOURCES))
        if unknown:
            raise ValueError(f"unknown alert sources {', '.join(unknown)} (known: {', '.join(SOURCES)})")
        return v

    @field_validator("declared_by", "commander")
    @classmethod
    def _actor(cls, v: str | None) -> str | None:
        if v is not None and not USER_ID.match(v):
            raise ValueError(f"expected a Slack user id (U…), got {v!r}")
        return v

    def severities_named(self) -> set[str]:
        named = set(self.severity_map.values()) | {r.severity for r in self.routes if r.severity}
        if self.default_severity:
            named.add(self.default_severity)
        return named
