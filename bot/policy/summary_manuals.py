"""`policy check` lines for the manuals' rules: who is paged at which minute, the calendar, timed playbooks
and maintenance notices, so a person can compare them with the manual at a glance."""

from __future__ import annotations

from datetime import timedelta

from bot.policy.checks import start_index
from bot.policy.fields import format_duration
from bot.policy.playbook import phase_text
from bot.policy.schema import Policy

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _minute(delta: timedelta) -> str:
    return "0m" if not delta else format_duration(delta)


def paging_lines(policy: Policy) -> list[str]:
    lines = []
    for severity in policy.severities:
        chain = policy.escalation_for(severity.id)
        if chain is None:
            continue
        tiers = chain.tiers[start_index(chain, severity):]
        at = tiers[0].at if tiers[0].at is not None else severity.ack_within
        steps = []
        for index, tier in enumerate(tiers):
            if tier.at is not None:
                at = tier.at
            steps.append(f"{tier.name or f'tier {index + 1}'} at {_minute(at)}")
            at = at + tier.wait
        hours = "" if severity.pages_outside_hours else " (outside working hours: from the next working window)"
        lines.append(f"  {severity.id} pages: {', '.join(steps)}{hours}")
    return lines


def manual_lines(policy: Policy) -> list[str]:
    lines = paging_lines(policy)
    if policy.calendar is not None:
        cal = policy.calendar
        start, end = cal.working_hours
        source = f", holidays {cal.holidays.country}" if cal.holidays else ""
        lines.append(f"  calendar: {' '.join(_DAYS[d] for d in cal.working_days)} {start:%H:%M}-{end:%H:%M} "
                     f"{cal.timezone or policy.timezone}{source}, {len(cal.company_days)} company days")
    for name, template in policy.checklists.items():
        if template.phases:
            phases = "; ".join(phase_text({"name": p.name, "starts": p.starts.total_seconds(),
                                           "due": p.due.total_seconds()}) for p in template.phases)
            lines.append(f"  checklist {name}: {phases}")
        if template.schedule and template.schedule.business_days:
            lines.append(f"  checklist {name}: {template.schedule.cron}, days off: {template.schedule.business_days}")
    for name, reminder in policy.reminders.items():
        if reminder.business_days:
            lines.append(f"  reminder {name}: {reminder.cron}, days off: {reminder.business_days}")
    for name, itype in policy.incident_types.items():
        private = ", private" if itype.private else ""
        playbook = f", playbook {itype.checklist}" if itype.checklist else ""
        goals = "; ".join(f"{sid} ack {format_duration(t.ack_within) if t.ack_within else '-'}"
                          f" resolve {format_duration(t.resolve_within) if t.resolve_within else '-'}"
                          + (f" escalation {t.escalation}" if t.escalation else "")
                          for sid, t in itype.severities.items())
        lines.append(f"  incident type {name}: channel {itype.channel_prefix}-N{private}{playbook}"
                     + (f"; {goals}" if goals else ""))
    for name, kind in policy.maintenance.kinds.items():
        emergency = " (emergency)" if kind.emergency else ""
        lines.append(f"  maintenance {name}: notice {format_duration(kind.notice)}{emergency}")
    return lines
