"""Parsing `/maintenance` text. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.aliases import canonical
from bot.errors import UsageError
from bot.incidents.commands import parse_number
from bot.policy.fields import parse_duration
from bot.slack.text import clip, escape, unescape

TITLE_LIMIT = 150  # the column's width


@dataclass(frozen=True)
class MaintenanceSchedule:
    # `22:00`, `tomorrow 02:00`, `2026-11-29 02:00`: the service reads it in the policy's zone, from now.
    start: str
    duration: timedelta
    title: str
    services: tuple[str, ...]  # none: every service
    kind: str | None = None  # `kind:security_patch`: one of the policy's maintenance.kinds


@dataclass(frozen=True)
class MaintenanceList:
    pass


@dataclass(frozen=True)
class MaintenanceCancel:
    window_id: int


@dataclass(frozen=True)
class MaintenanceHelp:
    pass


MaintenanceCommand = MaintenanceSchedule | MaintenanceList | MaintenanceCancel | MaintenanceHelp


def parse_maintenance(text: str) -> MaintenanceCommand:
    tokens = unescape(text or "").split()
    if not tokens or tokens[0].lower() in ("help", "도움말"):
        return MaintenanceHelp()
    head, rest = canonical("maintenance", tokens[0].lower()), tokens[1:]  # Korean words too: 예약, 취소…
    match head:
        case "list":
            return MaintenanceList()
        case "cancel":
            number = parse_number(rest[0]) if len(rest) == 1 else None
            if number is None:
                raise UsageError("error.bad_number_generic", "usage.maintenance_cancel",
                                 value=clip(" ".join(rest), 40))
            return MaintenanceCancel(number)
        case "schedule":
            return _parse_schedule(rest)
    raise UsageError("error.unknown_subcommand", "usage.maintenance", subcommand=clip(tokens[0], 40))


def _parse_schedule(words: list[str]) -> MaintenanceSchedule:
    """`<start> <duration> <title…> [services:a,b]`; the start is one or two words."""
    if len(words) < 3:
        raise UsageError("error.maintenance_incomplete", "usage.maintenance_schedule")
    start, rest = _split_start(words)
    if len(rest) < 2:
        raise UsageError("error.maintenance_incomplete", "usage.maintenance_schedule")
    duration_text, rest = rest[0], rest[1:]
    rest, kind = _split_kind(rest)
    title, services = _split_services(rest)
    if not title:
        raise UsageError("error.missing_title_maintenance", "usage.maintenance_schedule")
    try:
        duration = parse_duration(duration_text)
    except ValueError:
        raise UsageError("error.bad_duration", "usage.maintenance_schedule",
                         value=escape(duration_text[:40])) from None
    return MaintenanceSchedule(start, duration, clip(title, TITLE_LIMIT), tuple(services), kind)


def _split_kind(words: list[str]) -> tuple[list[str], str | None]:
    """A `kind:security_patch` (or `종류:…`) word anywhere after the duration."""
    kinds = [w for w in words if w.lower().startswith(("kind:", "종류:"))]
    if not kinds:
        return words, None
    return [w for w in words if w not in kinds], kinds[-1].split(":", 1)[1] or None


def _split_start(words: list[str]) -> tuple[str, list[str]]:
    """`22:00`, or a day and a time: `tomorrow 02:00`, `2026-11-29 02:00` (a lone `tomorrow` is midnight)."""
    names_a_day = words[0].lower() in ("today", "tomorrow", "오늘", "내일") or (
        words[0][:4].isdigit() and "-" in words[0])
    take = 2 if names_a_day and len(words) > 1 and ":" in words[1] else 1
    return " ".join(words[:take]), words[take:]


def _split_services(words: list[str]) -> tuple[str, list[str]]:
    """The title, and the services given as a trailing `services:api,db`."""
    services: list[str] = []
    if words and words[-1].lower().startswith(("services:", "서비스:")):
        services = [s for s in words[-1].split(":", 1)[1].split(",") if s]
        words = words[:-1]
    return " ".join(words).strip(), services
