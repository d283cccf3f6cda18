"""Kinds of maintenance with their own advance notice (seed 000 제6조, 제1조 긴급 점검)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.errors import UsageError
from bot.i18n import Catalog
from bot.policy.schema import MaintenancePolicy
from bot.slack.blocks import format_duration
from bot.slack.text import clip, date_token, escape

TITLE_LIMIT = 150


def notice_for(policy: MaintenancePolicy, kind: str | None) -> timedelta:
    """How long before a window its notice is posted: its kind's notice, else `notice_before`."""
    if kind is not None and kind in policy.kinds:
        return policy.kinds[kind].notice
    return policy.notice_before


def check_kind_notice(t: Catalog, policy: MaintenancePolicy, kind: str, start: datetime, now: datetime,
                      title: str) -> str:
    """Refuse an unknown kind, or a window that starts sooner than its kind's notice allows; returns the title
    led by the kind's name (`[보안 패치] …`) so every announcement says what kind of change it is."""
    if kind not in policy.kinds:
        raise UsageError("error.maintenance_unknown_kind", "usage.maintenance_schedule", value=escape(kind[:40]),
                         known=", ".join(sorted(policy.kinds)) or "—")
    spec = policy.kinds[kind]
    if start - now < spec.notice:
        raise UsageError("error.maintenance_notice_too_short", "usage.maintenance_schedule",
                         kind=spec.label(kind, t.locale), notice=format_duration(t, spec.notice),
                         earliest=date_token(now + spec.notice))
    return kind_title(t, policy, kind, title)


def kind_title(t: Catalog, policy: MaintenancePolicy, kind: str | None, title: str) -> str:
    """The title led by its kind's name, `[보안 패치] …` (an emergency gets a siren too)."""
    if kind is None or kind not in policy.kinds:
        return title
    spec = policy.kinds[kind]
    prefix = ":rotating_light: " if spec.emergency else ""
    return clip(f"{prefix}[{spec.label(kind, t.locale)}] {title}", TITLE_LIMIT)
