"""Parsing `/oncall` text. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from bot.aliases import canonical, option
from bot.errors import UsageError
from bot.incidents.commands import parse_mention, parse_number
from bot.slack.text import clip, unescape


@dataclass(frozen=True)
class WhoIsOn:
    pass


@dataclass(frozen=True)
class Schedule:
    rotation: str
    days: int


@dataclass(frozen=True)
class MyShifts:
    pass


@dataclass(frozen=True)
class AddOverride:
    rotation: str
    user_id: str
    span: list[str]


@dataclass(frozen=True)
class RemoveOverride:
    override_id: int


@dataclass(frozen=True)
class ListOverrides:
    rotation: str


@dataclass(frozen=True)
class Swap:
    rotation: str
    first: str
    second: str


@dataclass(frozen=True)
class OnCallHelp:
    pass


@dataclass(frozen=True)
class CoverRequest:
    """`/oncall cover [rotation] <from> <to>`: ask someone to take a shift (bot/oncall/cover.py)."""

    rotation: str | None
    start: str
    end: str


OnCallCommand = (WhoIsOn | Schedule | MyShifts | AddOverride | RemoveOverride | ListOverrides | Swap | OnCallHelp
                 | CoverRequest)

DEFAULT_DAYS = 7
MAX_DAYS = 31


def _mention(token: str, usage: str) -> str:
    user = parse_mention(token)
    if user is None:
        raise UsageError("error.bad_mention", usage, value=clip(token, 40))
    return user


def parse_oncall(text: str) -> OnCallCommand:
    tokens = unescape(text or "").split()
    if not tokens:
        return WhoIsOn()
    head = canonical("oncall", tokens[0].lower())  # Korean words too: 대체, 교대…
    rest = tokens[1:]
    if head in ("help", "도움말"):
        return OnCallHelp()
    if head == "me":
        if rest:
            raise UsageError("error.unexpected_words", "usage.oncall", value=clip(" ".join(rest), 40))
        return MyShifts()
    if head == "override":
        if rest and option(rest[0].lower()) in ("remove", "delete", "cancel"):
            number = parse_number(rest[1]) if len(rest) == 2 else None
            if number is None:
                raise UsageError("error.bad_override_id", "usage.oncall_override",
                                 value=clip(" ".join(rest[1:]), 40))
            return RemoveOverride(number)
        if len(rest) < 3:
            raise UsageError("error.override_incomplete", "usage.oncall_override")
        return AddOverride(rest[0], _mention(rest[1], "usage.oncall_override"), rest[2:])
    if head == "overrides":
        if len(rest) != 1:
            raise UsageError("error.override_incomplete", "usage.oncall_override")
        return ListOverrides(rest[0])
    if head == "cover":  # moments are one word each: 18:00, 2026-03-05T18:00, tomorrow (midnight)
        if len(rest) not in (2, 3):
            raise UsageError("error.cover_incomplete", "usage.oncall_cover")
        return CoverRequest(rest[0] if len(rest) == 3 else None, rest[-2], rest[-1])
    if head == "swap":
        if len(rest) != 3:
            raise UsageError("error.swap_incomplete", "usage.oncall_swap")
        return Swap(rest[0], _mention(rest[1], "usage.oncall_swap"), _mention(rest[2], "usage.oncall_swap"))
    # `/oncall <rotation> [days]`
    if len(rest) > 1:
        raise UsageError("error.unexpected_words", "usage.oncall", value=clip(" ".join(rest[1:]), 40))
    days = DEFAULT_DAYS
    if rest:
        if not rest[0].isdigit() or not 1 <= int(rest[0]) <= MAX_DAYS:
            raise UsageError("error.bad_days", "usage.oncall", value=clip(rest[0], 20), max=MAX_DAYS)
        days = int(rest[0])
    return Schedule(tokens[0], days)
