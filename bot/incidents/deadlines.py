"""What an incident's severity schedules: the acknowledge deadline (escalation), the resolve target
and the status-update nudge. Written inside the same transaction as the change that causes them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.incidents.types import targets
from bot.policy.checks import start_index
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
        "webhooks": list(tier.webhooks),
        "notify": [n.value for n in tier.notify],
        "wait_seconds": int(tier.wait.total_seconds()),
    }


def escalation_snapshot(policy: Policy, severity_id: str, chain_name: str | None = None) -> dict[str, Any] | None:
    """The chain as plain data, frozen onto the incident when escalation starts: from the severity's start
    tier on, and with tier times ("L2 at 30m") turned into the waits between them. `chain_name`: an
    incident type's own escalation policy for this severity."""
    chain = policy.escalation_policies.get(chain_name) if chain_name else policy.escalation_for(severity_id)
    severity = policy.severity(severity_id)
    if chain is None or severity is None:
        return None
    tiers = chain.tiers[start_index(chain, severity):]
    data = [tier_data(tier) for tier in tiers]
    for tier, entry in zip(tiers, data, strict=True):
        if tier.at is not None:  # the page says it came at the policy's time, not after the ack target
            entry["at_seconds"] = int(tier.at.total_seconds())
    for tier, following, entry in zip(tiers, tiers[1:], data, strict=False):
        if tier.at is not None and following.at is not None:
            entry["wait_seconds"] = int((following.at - tier.at).total_seconds())
    return {"repeat": chain.repeat, "tiers": data}


def first_page_after(policy: Policy, severity_id: str, chain_name: str | None = None,
                     ack_within: timedelta | None = None) -> timedelta:
    """How long after the start the first tier is paged: its `at`, else the acknowledge target."""
    chain = policy.escalation_policies.get(chain_name) if chain_name else policy.escalation_for(severity_id)
    severity = policy.severity(severity_id)
    assert severity is not None
    if chain is not None:
        first = chain.tiers[start_index(chain, severity)]
        if first.at is not None:
            return first.at
    return ack_within or severity.ack_within


def paging_start(policy: Policy, severity_id: str, start: datetime) -> datetime:
    """When the clock of pages starts: now, or for a severity that does not page outside working hours, the
    start of the next working window."""
    severity = policy.severity(severity_id)
    calendar = policy.work_calendar
    if severity is None or severity.pages_outside_hours or calendar is None:
        return start
    return calendar.next_open(start)


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
    goals = targets(policy, incident)  # the severity's, with what the incident's type changes
    if severity is None or goals is None:
        return None
    snapshot = escalation_snapshot(policy, incident.severity, goals.escalation)
    key = f"incident:{incident.id}:{tag}"
    if escalate and snapshot is not None:
        first = paging_start(policy, incident.severity, start) + first_page_after(
            policy, incident.severity, goals.escalation, goals.ack_within)
        await timers.schedule(ESCALATE, first, {"tier": 0, "round": 0, "reason": "ack_timeout"},
                              incident_id=incident.id, dedupe_key=f"{key}:escalate", session=session)
    await timers.schedule(RESOLVE_DEADLINE, start + goals.resolve_within, {},
                          incident_id=incident.id, dedupe_key=f"{key}:resolve", session=session)
    if severity.update_every is not None:
        await timers.schedule(UPDATE_NUDGE, start + severity.update_every, {},
                              incident_id=incident.id, dedupe_key=f"{key}:nudge", session=session)
    return snapshot
