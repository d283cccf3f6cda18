"""What an incident's severity schedules: the acknowledge deadline (escalation), the resolve target
and the status-update nudge. Written inside the same transaction as the change that causes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.policy.schema import Policy, Tier
from bot.scheduling.timers import TimerService
from storage.models import Incident

ESCALATE = "escalate"
RESOLVE_DEADLINE = "resolve_deadline"
UPDATE_NUDGE = "update_nudge"
ALL_KINDS = (ESCALATE, RESOLVE_DEADLINE, UPDATE_NUDGE)


def tier_data(tier: Tier) -> dict[str, Any]:
    """A tier as plain JSON data: what gets snapshotted and what the pager reads."""
    return {
        "name": tier.name,
        "users": list(tier.users),
        "usergroups": list(tier.usergroups),
        "channels": list(tier.channels),
        "rotations": list(tier.rotations),
        "notify": [n.value for n in tier.notify],
        "wait_seconds": int(tier.wait.total_seconds()),
    }


def escalation_snapshot(policy: Policy, severity_id: str) -> dict[str, Any] | None:
    """The chain as plain data, frozen onto the incident when escalation starts."""
    chain = policy.escalation_for(severity_id)
    if chain is None:
        return None
    return {"repeat": chain.repeat, "tiers": [tier_data(tier) for tier in chain.tiers]}


async def schedule_deadlines(
    timers: TimerService,
    session: AsyncSession,
    policy: Policy,
    incident: Incident,
    *,
    start: datetime,
    tag: str,
    escalate: bool = True,
) -> dict[str, Any] | None:
    """Schedule the severity's timers from `start`; returns the escalation snapshot to store."""
    severity = policy.severity(incident.severity)
    if severity is None:
        return None
    snapshot = escalation_snapshot(policy, incident.severity)
    key = f"incident:{incident.id}:{tag}"
    if escalate and snapshot is not None:
        await timers.schedule(ESCALATE, start + severity.ack_within, {"tier": 0, "round": 0, "reason": "ack_timeout"},
                              incident_id=incident.id, dedupe_key=f"{key}:escalate", session=session)
    await timers.schedule(RESOLVE_DEADLINE, start + severity.resolve_within, {},
                          incident_id=incident.id, dedupe_key=f"{key}:resolve", session=session)
    if severity.update_every is not None:
        await timers.schedule(UPDATE_NUDGE, start + severity.update_every, {},
                              incident_id=incident.id, dedupe_key=f"{key}:nudge", session=session)
    return snapshot
