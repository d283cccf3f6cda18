"""What an incident's type changes (bot/policy/types.py): targets and escalation per severity, the playbook,
the channel's prefix and privacy. Pure functions of the policy and the incident."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from bot.policy.schema import Policy
from bot.policy.types import IncidentType
from storage.models import Incident


@dataclass(frozen=True)
class Targets:
    ack_within: timedelta
    resolve_within: timedelta
    escalation: str | None


def incident_type(policy: Policy, incident: Incident) -> IncidentType | None:
    return policy.incident_types.get(incident.incident_type or "")


def is_private(policy: Policy, incident: Incident) -> bool:
    kind = incident_type(policy, incident)
    return kind is not None and kind.private


def targets(policy: Policy, incident: Incident) -> Targets | None:
    """The severity's targets, with what the incident's type sets for that severity."""
    severity = policy.severity(incident.severity)
    if severity is None:
        return None
    kind = incident_type(policy, incident)
    override = kind.severities.get(incident.severity) if kind else None
    return Targets(
        ack_within=(override.ack_within if override and override.ack_within else severity.ack_within),
        resolve_within=(override.resolve_within if override and override.resolve_within
                        else severity.resolve_within),
        escalation=(override.escalation if override and override.escalation else severity.escalation),
    )


def checklist_for(policy: Policy, incident: Incident) -> str | None:
    kind = incident_type(policy, incident)
    if kind is not None and kind.checklist:
        return kind.checklist
    severity = policy.severity(incident.severity)
    return severity.checklist if severity else None


def channel_name(policy: Policy, incident: Incident, default_name: str) -> str:
    """`inc-12-…` becomes `sec-12-…` for a type with its own prefix."""
    kind = incident_type(policy, incident)
    if kind is None or kind.channel_prefix == "inc" or not default_name.startswith("inc-"):
        return default_name
    return (kind.channel_prefix + default_name[3:])[:80]


def visible_to(policy: Policy, incident: Incident, viewer: str | None, members: Collection[str]) -> bool:
    """A private incident is listed only to the people in it: its declarer, commander and role holders."""
    if not is_private(policy, incident):
        return True
    return viewer is not None and (viewer in members or viewer in (incident.declared_by, incident.commander_id))
