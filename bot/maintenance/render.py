"""Text about maintenance windows, for announcements and answers. Pure."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from bot.i18n import Catalog
from bot.slack.blocks import format_duration
from bot.slack.text import Mrkdwn, date_token, escape
from storage.models import MaintenanceWindow


def services_text(t: Catalog, window: MaintenanceWindow) -> str:
    return Mrkdwn(", ").join(window.services) or t("maintenance.all_services")


def window_text(t: Catalog, key: str, window: MaintenanceWindow, **extra: str) -> str:
    """One window under a catalog key (`maintenance.scheduled`, `.notice`, `.started`, …)."""
    return t(key, id=window.id, title=escape(window.title), start=date_token(window.starts_at),
             end=date_token(window.ends_at), services=services_text(t, window),
             duration=format_duration(t, window.ends_at - window.starts_at), **extra)


def window_list_text(
    t: Catalog, windows: Sequence[MaintenanceWindow], is_active: Callable[[MaintenanceWindow], bool],
    notes: Mapping[int, str] | None = None,
) -> str:
    if not windows:
        return t("maintenance.list_none")
    return "\n".join([t("maintenance.list_header")] + [
        t("maintenance.list_line", id=window.id, title=escape(window.title), start=date_token(window.starts_at),
          end=date_token(window.ends_at), services=services_text(t, window),
          active=t("maintenance.active_note") if is_active(window) else "")
        + (f"\n{notes[window.id]}" if notes and window.id in notes else "")
        for window in windows
    ])
