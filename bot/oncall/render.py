"""Text about rotations, shifts, overrides and handoffs. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.i18n import Catalog
from bot.incidents.lifecycle import Status
from bot.incidents.render import severity_label, status_label
from bot.incidents.severity import SeverityTable
from bot.oncall.rotations import RotationNow, Shift
from bot.slack.blocks import format_duration
from bot.slack.text import Mrkdwn, date_token, escape, user_mention
from storage.models import Incident, RotationOverride


def person(t: Catalog, user_id: str | None) -> Mrkdwn:
    """A mention, or "nobody" for a gap in the rotation."""
    return user_mention(user_id) if user_id else t("oncall.nobody")


def who_is_on_text(t: Catalog, rotations: Sequence[RotationNow]) -> str:
    if not rotations:
        return t("oncall.none_configured")
    lines = [t("oncall.header")]
    for glance in rotations:
        following = glance.following
        next_text = (Mrkdwn(f"{date_token(following.starts_at)} → {person(t, following.user_id)}") if following
                     else t("oncall.no_handoff"))
        lines.append(t("oncall.now", rotation=glance.rotation, user=person(t, glance.current.user_id),
                       next=next_text))
    return "\n".join(lines)


def shifts_text(t: Catalog, shifts: Sequence[Shift]) -> list[str]:
    return [
        t("oncall.shift", user=person(t, s.user_id), start=date_token(s.starts_at), end=date_token(s.ends_at),
          note=t("oncall.override_note") if s.source.startswith("override") else "")
        for s in shifts
    ]


def schedule_text(t: Catalog, rotation: str, days: int, shifts: Sequence[Shift]) -> str:
    return "\n".join([t("oncall.schedule_header", rotation=rotation, days=days), *shifts_text(t, shifts)])


def my_shifts_text(t: Catalog, mine: Sequence[tuple[str, Shift]]) -> str:
    if not mine:
        return t("oncall.mine_none")
    return "\n".join([t("oncall.mine_header")] + [
        t("oncall.mine_item", rotation=rotation, start=date_token(s.starts_at), end=date_token(s.ends_at))
        for rotation, s in mine
    ])


def override_added_text(t: Catalog, override: RotationOverride) -> str:
    return t("oncall.override_done", id=override.id, user=override.user_id, rotation=override.rotation,
             start=date_token(override.starts_at), end=date_token(override.ends_at))


def overrides_text(t: Catalog, rotation: str, overrides: Sequence[RotationOverride]) -> str:
    if not overrides:
        return t("oncall.overrides_none")
    return "\n".join([t("oncall.overrides_header", rotation=rotation)] + [
        t("oncall.overrides_item", id=o.id, user=o.user_id, start=date_token(o.starts_at), end=date_token(o.ends_at))
        for o in overrides
    ])


def swap_text(t: Catalog, rotation: str, created: Sequence[RotationOverride]) -> str:
    details = Mrkdwn("; ").join(
        t("oncall.swap_item", user=o.user_id, start=date_token(o.starts_at), end=date_token(o.ends_at), id=o.id)
        for o in created
    )
    return t("oncall.swap_done", rotation=rotation, details=details)


# --- handoffs -----------------------------------------------------------------------------------------------


def _incident_line(t: Catalog, severities: SeverityTable, incident: Incident, now: datetime) -> str:
    return t(
        "handoff.incident", number=incident.id,
        severity=severity_label(t, severities, incident.severity),
        title=escape(incident.title[:80]), status=status_label(t, incident.status),
        age=format_duration(t, now - incident.declared_at),
    )


def handoff_summary(
    t: Catalog,
    severities: SeverityTable,
    open_incidents: Sequence[Incident],
    outgoing: str | None,
    open_checklists: Sequence[str],
    now: datetime,
) -> str:
    """What the incoming person inherits: open incidents, those the outgoing one commands, open checklists."""
    lines: list[str] = []
    if not open_incidents:
        lines.append(t("handoff.no_incidents"))
    lines.extend(_incident_line(t, severities, incident, now) for incident in open_incidents)
    commanded = [i for i in open_incidents if outgoing and i.commander_id == outgoing]
    if commanded:
        lines.append(t("handoff.commanded", user=outgoing or "", numbers=", ".join(f"#{i.id}" for i in commanded)))
    unacknowledged = [i for i in open_incidents if i.status in (Status.DECLARED, Status.REOPENED)]
    if unacknowledged:
        lines.append(t("handoff.unacknowledged", numbers=", ".join(f"#{i.id}" for i in unacknowledged)))
    if open_checklists:
        lines.append(t("handoff.checklists"))
        lines.extend(open_checklists)
    return "\n".join(lines)


def handoff_text(t: Catalog, rotation: str, outgoing: Shift, incoming: Shift, summary: str, *, late: bool) -> str:
    header = t("handoff.header", rotation=rotation, outgoing=person(t, outgoing.user_id),
               incoming=person(t, incoming.user_id), until=date_token(incoming.ends_at))
    if late:
        header += "\n" + t("handoff.late")
    return f"{header}\n{summary}"
