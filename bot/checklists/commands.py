"""Parsing `/checklist` and `/maintenance` text. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from bot.aliases import canonical
from bot.errors import UsageError
from bot.slack.text import clip, unescape


@dataclass(frozen=True)
class ChecklistOverview:
    pass


@dataclass(frozen=True)
class ChecklistStart:
    name: str


@dataclass(frozen=True)
class ChecklistStatus:
    name: str | None


@dataclass(frozen=True)
class ChecklistHistory:
    name: str
    count: int


@dataclass(frozen=True)
class ChecklistHelp:
    pass


ChecklistCommand = ChecklistOverview | ChecklistStart | ChecklistStatus | ChecklistHistory | ChecklistHelp


def parse_checklist(text: str) -> ChecklistCommand:
    tokens = unescape(text or "").split()
    if not tokens:
        return ChecklistOverview()
    head, rest = canonical("checklist", tokens[0].lower()), tokens[1:]  # Korean words too: 시작, 상태…
    match head:
        case "help" | "도움말":
            return ChecklistHelp()
        case "start":
            if len(rest) != 1:
                raise UsageError("error.unexpected_words" if rest else "error.missing_checklist", "usage.checklist",
                                 value=clip(" ".join(rest[1:]), 40))
            return ChecklistStart(rest[0])
        case "status":
            if len(rest) > 1:
                raise UsageError("error.unexpected_words", "usage.checklist", value=clip(" ".join(rest[1:]), 40))
            return ChecklistStatus(rest[0] if rest else None)
        case "history":
            if not rest or len(rest) > 2:
                raise UsageError("error.missing_checklist", "usage.checklist_history", value="")
            count = 5
            if len(rest) == 2:
                if not rest[1].isdigit() or not 1 <= int(rest[1]) <= 20:
                    raise UsageError("error.bad_count", "usage.checklist_history", value=clip(rest[1], 20))
                count = int(rest[1])
            return ChecklistHistory(rest[0], count)
    raise UsageError("error.unknown_subcommand", "usage.checklist", subcommand=clip(tokens[0], 40))
