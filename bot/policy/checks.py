"""Checks across the policy's sections for the fields the manuals brought (escalation start and tier times,
the calendar, timed playbooks). Called by `Policy`'s validator; each message names the field to fix."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.policy.schema import EscalationPolicy, Policy, SeverityPolicy


def start_index(chain: EscalationPolicy, severity: SeverityPolicy) -> int:
    """The 0-based tier a severity's escalation starts at."""
    start = severity.escalation_start
    if start is None:
        return 0
    if isinstance(start, int):
        return min(start, len(chain.tiers)) - 1
    # An incident type's own chain may not have the tier: it then starts at its first.
    return next((i for i, tier in enumerate(chain.tiers) if tier.name == start), 0)


def _check_start(policy: Policy, severity: SeverityPolicy) -> None:
    start = severity.escalation_start
    if start is None:
        return
    chain = policy.escalation_policies.get(severity.escalation or "")
    if chain is None:
        raise ValueError(f"severity {severity.id} sets escalation_start but names no escalation policy")
    names = [tier.name for tier in chain.tiers]
    if isinstance(start, int):
        if not 1 <= start <= len(chain.tiers):
            raise ValueError(f"severity {severity.id}: escalation_start {start} is not a tier of "
                             f"{severity.escalation} (1–{len(chain.tiers)})")
    elif start not in names:
        known = ", ".join(n for n in names if n) or "no tier has a name"
        raise ValueError(f"severity {severity.id}: escalation_start {start!r} names no tier of "
                         f"{severity.escalation} (known: {known})")


def _check_tier_times(name: str, chain: EscalationPolicy) -> None:
    times = [tier.at for tier in chain.tiers]
    if all(at is None for at in times):
        return
    if any(at is None for at in times):
        raise ValueError(f"escalation policy {name}: give every tier an `at`, or none (tiers then wait)")
    for earlier, later in itertools.pairwise(times):
        assert earlier is not None and later is not None
        if later <= earlier:
            raise ValueError(f"escalation policy {name}: tier times must increase (each `at` after the one "
                             f"before)")


def _check_calendar_use(policy: Policy) -> None:
    if policy.calendar is not None:
        return
    users = [f"checklist {name}" for name, c in policy.checklists.items() if c.schedule and c.schedule.business_days]
    users += [f"reminder {name}" for name, r in policy.reminders.items() if r.business_days]
    users += [f"severity {s.id} (pages_outside_hours: false)" for s in policy.severities if not s.pages_outside_hours]
    if users:
        raise ValueError(f"{', '.join(users)} need a `calendar:` section (working days, hours and holidays)")


def _check_descriptions(policy: Policy) -> None:
    for severity in policy.severities:
        unknown = set(severity.description) - {"en", "ko"}
        if unknown:
            raise ValueError(f"severity {severity.id}: description languages are en and ko, not "
                             f"{', '.join(sorted(unknown))}")


def check_manual_rules(policy: Policy) -> None:
    for severity in policy.severities:
        _check_start(policy, severity)
    for name, chain in policy.escalation_policies.items():
        _check_tier_times(name, chain)
    _check_calendar_use(policy)
    _check_descriptions(policy)
