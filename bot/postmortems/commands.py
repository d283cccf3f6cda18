"""Parsing `/incident postmortem …`, `/incident action …` and `/incident actions …`. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import UsageError
from bot.incidents.commands import parse_mention, parse_number
from bot.reports.commands import ReportCommand, parse_report
from bot.slack.text import clip

ACTION_TEXT_LIMIT = 500


@dataclass(frozen=True)
class PostmortemCommand:
    """regenerate (no argument), review, done <url>."""

    what: str
    number: int | None
    link: str | None = None


@dataclass(frozen=True)
class AddAction:
    owner: str
    due: str
    text: str


@dataclass(frozen=True)
class CloseAction:
    action_id: int


@dataclass(frozen=True)
class ListActions:
    which: str  # mine, open, overdue


def parse_postmortem(tokens: list[str]) -> PostmortemCommand:
    what = "regenerate"
    if tokens and tokens[0].lower() in ("review", "done", "publish"):
        what = "done" if tokens[0].lower() in ("done", "publish") else "review"
        tokens = tokens[1:]
    number = None
    if tokens and (parsed := parse_number(tokens[0])) is not None:
        number, tokens = parsed, tokens[1:]
    if what == "done":
        if not tokens:
            raise UsageError("error.postmortem_missing_url", "usage.postmortem")
        if len(tokens) > 1:
            raise UsageError("error.postmortem_bad_url", "usage.postmortem", value=clip(" ".join(tokens), 80))
        return PostmortemCommand(what, number, tokens[0])
    if tokens:
        raise UsageError("error.bad_number", "usage.postmortem", value=clip(" ".join(tokens), 40))
    return PostmortemCommand(what, number)


def parse_action(tokens: list[str]) -> AddAction | CloseAction:
    verb = tokens[0].lower() if tokens else ""
    rest = tokens[1:]
    if verb == "done":
        number = parse_number(rest[0]) if len(rest) == 1 else None
        if number is None:
            raise UsageError("error.action_bad_id", "usage.action", value=clip(" ".join(rest), 40))
        return CloseAction(number)
    if verb != "add":
        raise UsageError("error.unknown_subcommand", "usage.action", subcommand=clip(verb, 40))
    if not rest:
        raise UsageError("error.action_missing_owner", "usage.action")
    owner = parse_mention(rest[0])
    if owner is None:
        raise UsageError("error.action_bad_owner", "usage.action", value=clip(rest[0], 40))
    if len(rest) < 2:
        raise UsageError("error.action_bad_due", "usage.action", value="")
    due, words = rest[1], rest[2:]
    if not words:
        raise UsageError("error.action_missing_text", "usage.action")
    return AddAction(owner, due, clip(" ".join(words), ACTION_TEXT_LIMIT))


def parse_actions(tokens: list[str]) -> ListActions:
    if len(tokens) > 1 or (tokens and tokens[0].lower() not in ("mine", "open", "overdue")):
        raise UsageError("error.action_bad_filter", "usage.action", value=clip(" ".join(tokens), 40))
    return ListActions(tokens[0].lower() if tokens else "open")


def parse_followup(subcommand: str, tokens: list[str]) -> Followup:
    """The /incident subcommands of issue 12, routed here by bot/incidents/commands.py."""
    if subcommand == "postmortem":
        return parse_postmortem(tokens)
    if subcommand == "action":
        return parse_action(tokens)
    if subcommand == "actions":
        return parse_actions(tokens)
    return parse_report(tokens)


Followup = PostmortemCommand | AddAction | CloseAction | ListActions | ReportCommand
FOLLOWUP_SUBCOMMANDS = ("postmortem", "action", "actions", "report")
