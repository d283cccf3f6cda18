"""Incident types (as in Dispatch): an incident is of a type, and its type may bring its own targets per
severity, escalation, playbook, channel prefix and privacy (002 §6.3 보안 사고, §9.2 재해 복구).

A private type's incident gets a private channel, is not announced in the feed, and is listed by
`/incident list` only to the people in it (its declarer and the holders of its roles).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.policy.fields import Duration

TYPE_NAME = r"^[a-z][a-z0-9_]{0,31}$"


class TypeTargets(BaseModel):
    """What a type changes for one severity; unset fields keep the severity's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ack_within: Duration | None = None
    resolve_within: Duration | None = None
    escalation: str | None = None


class IncidentType(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: dict[str, str] = Field(default_factory=dict)  # {ko: 보안 사고, en: Security incident}
    description: dict[str, str] = Field(default_factory=dict)
    channel_prefix: str = Field(default="inc", pattern=r"^[a-z][a-z0-9]{0,9}$")
    private: bool = False
    checklist: str | None = None  # posted in its incidents instead of the severity's
    severities: dict[str, TypeTargets] = Field(default_factory=dict)

    def label(self, key: str, locale: str) -> str:
        return self.name.get(locale) or self.name.get("ko") or self.name.get("en") or key


def check_types(policy: object) -> None:
    """References from `incident_types` to severities, escalation policies and checklists."""
    from bot.policy.schema import Policy

    assert isinstance(policy, Policy)
    import re

    ids = {s.id for s in policy.severities}
    for key, kind in policy.incident_types.items():
        if not re.match(TYPE_NAME, key):
            raise ValueError(f"incident type {key!r}: names are lowercase letters, digits and _ (e.g. security)")
        if kind.checklist and kind.checklist not in policy.checklists:
            raise ValueError(f"incident type {key} names checklist {kind.checklist!r}, which does not exist")
        for severity_id, targets in kind.severities.items():
            if severity_id not in ids:
                raise ValueError(f"incident type {key} sets targets for {severity_id}, which is not a severity "
                                 f"({', '.join(sorted(ids))})")
            if targets.escalation and targets.escalation not in policy.escalation_policies:
                raise ValueError(f"incident type {key} names escalation policy {targets.escalation!r}, which does "
                                 f"not exist")
