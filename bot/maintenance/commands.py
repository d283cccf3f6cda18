"""Parsing `/checklist` and `/maintenance` text. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import UsageError
from bot.incidents.commands import parse_number
from bot.slack.text import clip, unescape


@dataclass(frozen=True)
class MaintenanceSchedule:
    tokens: list[str]  # start (one or two tokens), duration, title…, [services:a,b]


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
    head, rest = tokens[0].lower(), tokens[1:]
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
            if len(rest) < 3:
                raise UsageError("error.maintenance_incomplete", "usage.maintenance_schedule")
            return MaintenanceSchedule(rest)
    raise UsageError("error.unknown_subcommand", "usage.maintenance", subcommand=clip(tokens[0], 40))


def split_services(words: list[str]) -> tuple[str, list[str]]:
    """The title, and the services given as a trailing `services:api,db`."""
    services: list[str] = []
    if words and words[-1].lower().startswith(("services:", "서비스:")):
        services = [s for s in words[-1].split(":", 1)[1].split(",") if s]
        words = words[:-1]
    return " ".join(words).strip(), services
