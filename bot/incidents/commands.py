"""Parsing `/incident` text into typed commands. Pure: no Slack, no database."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.aliases import canonical, option
from bot.aliases import role as korean_role
from bot.errors import UsageError
from bot.incidents.listing import ListFilters, parse_list
from bot.incidents.roles import Role
from bot.incidents.severity import SeverityTable
from bot.policy.loader import PolicyHolder
from bot.scheduling.when import split_when
from bot.slack.text import clip, unescape

# Slack's header block allows 150 characters of plain text; the title has to fit in one.
TITLE_LIMIT = 150
UPDATE_LIMIT = 2900  # a section block's text allows 3000

_NUMBER = re.compile(r"^#?(\d{1,9})$")
_MENTION = re.compile(r"^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$")
_SEVERITY_LIKE = re.compile(r"^(?:p|sev)\d+$", re.IGNORECASE)


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class OpenDeclareForm:
    pass


@dataclass(frozen=True)
class Declare:
    severity: str
    title: str
    clipped: bool = False
    incident_type: str | None = None  # `type:security`: one of the policy's incident_types


@dataclass(frozen=True)
class Transition:
    """ack, mitigate, reopen: no arguments beyond the incident."""

    action: str
    number: int | None


@dataclass(frozen=True)
class Resolve:
    number: int | None
    summary: str | None
    # "resolve 3 pods restarted": inside an incident channel a bare leading number is text.
    leading_token: str | None = None

    def as_text_in_channel(self) -> Resolve:
        if self.leading_token is None:
            return self
        return Resolve(None, " ".join(filter(None, [self.leading_token, self.summary])))


@dataclass(frozen=True)
class Escalate:
    number: int | None
    reason: str | None
    leading_token: str | None = None

    def as_text_in_channel(self) -> Escalate:
        if self.leading_token is None:
            return self
        return Escalate(None, " ".join(filter(None, [self.leading_token, self.reason])))


@dataclass(frozen=True)
class Remind:
    when: str
    text: str


@dataclass(frozen=True)
class CancelReminder:
    reminder_id: int


@dataclass(frozen=True)
class PostUpdate:
    number: int | None
    text: str
    leading_token: str | None = None

    def as_text_in_channel(self) -> PostUpdate:
        if self.leading_token is None:
            return self
        return PostUpdate(None, f"{self.leading_token} {self.text}")


@dataclass(frozen=True)
class ChangeSeverity:
    number: int | None
    severity: str


@dataclass(frozen=True)
class Assign:
    number: int | None
    user_id: str
    role: Role


@dataclass(frozen=True)
class Show:
    """status and timeline."""

    what: str
    number: int | None


@dataclass(frozen=True)
class ListIncidents:
    include_closed: bool
    # status, severity, service, type, dates, words and page (bot/incidents/listing.py)
    filters: ListFilters = field(default_factory=ListFilters, compare=False)


Command = (
    Help
    | OpenDeclareForm
    | Declare
    | Transition
    | Resolve
    | Escalate
    | Remind
    | CancelReminder
    | PostUpdate
    | ChangeSeverity
    | Assign
    | Show
    | ListIncidents
)


def parse_number(token: str) -> int | None:
    match = _NUMBER.match(token)
    return int(match.group(1)) if match else None


def parse_mention(token: str) -> str | None:
    match = _MENTION.match(token)
    return match.group(1) if match else None


def _take_number(tokens: list[str]) -> tuple[int | None, list[str]]:
    if tokens and (number := parse_number(tokens[0])) is not None:
        return number, tokens[1:]
    return None, tokens


def _bare(tokens: list[str], number: int | None) -> str | None:
    """The leading token when it was a bare number (not `#N`), which may be text after all."""
    return tokens[0] if number is not None and not tokens[0].startswith("#") else None


def _parse_severity(token: str, severities: SeverityTable, usage: str) -> str:
    severity = severities.get(token)
    if severity is None:
        raise UsageError("error.unknown_severity", usage, value=token, allowed=", ".join(severities.ids))
    return severity.id


class CommandParser:
    def __init__(self, policy: PolicyHolder) -> None:
        self.policy = policy

    @property
    def severities(self) -> SeverityTable:
        return self.policy.severities

    def parse(self, text: str) -> Command:
        text = unescape(text or "").strip()
        if not text:
            return Help()
        head, _, rest = text.partition(" ")
        subcommand = canonical("incident", head.lower())  # Korean words too: 인지, 해결, 목록…
        rest = rest.strip()
        tokens = rest.split()
        match subcommand:
            case "help" | "도움말":
                return Help()
            case "declare" | "선언":
                return self._declare(rest)
            case "ack" | "acknowledge" | "mitigate" | "reopen":
                action = "ack" if subcommand == "acknowledge" else subcommand
                return Transition(action, self._only_number(tokens, f"usage.{action}"))
            case "status" | "timeline":
                return Show(subcommand, self._only_number(tokens, f"usage.{subcommand}"))
            case "resolve":
                number, remaining = _take_number(tokens)
                summary = " ".join(remaining).strip() or None
                return Resolve(number, clip(summary, UPDATE_LIMIT) if summary else None, _bare(tokens, number))
            case "escalate":
                number, remaining = _take_number(tokens)
                reason = " ".join(remaining).strip() or None
                return Escalate(number, clip(reason, 500) if reason else None, _bare(tokens, number))
            case "remind":
                if tokens and option(tokens[0].lower()) == "cancel":
                    number = parse_number(tokens[1]) if len(tokens) == 2 else None
                    if number is None:
                        raise UsageError("error.bad_number_generic", "usage.remind",
                                         value=clip(" ".join(tokens[1:]), 40))
                    return CancelReminder(number)
                when, words = split_when(tokens)
                if not when:
                    raise UsageError("error.bad_time", "usage.remind", value="")
                if not words:
                    raise UsageError("error.missing_reminder_text", "usage.remind")
                return Remind(when, clip(" ".join(words), UPDATE_LIMIT))
            case "update":
                number, remaining = _take_number(tokens)
                body = " ".join(remaining).strip()
                if not body:
                    raise UsageError("error.missing_update_text", "usage.update")
                return PostUpdate(number, clip(body, UPDATE_LIMIT), _bare(tokens, number))
            case "severity" | "sev":
                number, remaining = _take_number(tokens)
                if len(remaining) != 1:
                    key = "error.missing_severity" if not remaining else "error.unknown_severity"
                    raise UsageError(
                        key, "usage.severity", value=" ".join(remaining), allowed=", ".join(self.severities.ids)
                    )
                return ChangeSeverity(number, _parse_severity(remaining[0], self.severities, "usage.severity"))
            case "assign":
                return self._assign(tokens)
            case "list":
                filters = parse_list(tokens)
                return ListIncidents(include_closed=filters.include_closed, filters=filters)
            case "postmortem" | "action" | "actions" | "report":
                # Issue 12's subcommands parse in their own domain (imported here: it imports this module).
                from bot.postmortems.commands import parse_followup

                return parse_followup(subcommand, tokens)  # type: ignore[return-value]
            case _:
                raise UsageError("error.unknown_subcommand", "usage.incident", subcommand=clip(head, 40))

    def _declare(self, rest: str) -> Declare | OpenDeclareForm:
        if not rest:
            return OpenDeclareForm()
        incident_type, rest = self._take_type(rest)
        if not rest:
            raise UsageError("error.missing_title", "usage.declare")
        first, _, remainder = rest.partition(" ")
        severity_id = self.severities.default.id
        title = rest
        if _SEVERITY_LIKE.match(first):
            severity_id = _parse_severity(first, self.severities, "usage.declare")
            title = remainder.strip()
        if not title:
            raise UsageError("error.missing_title", "usage.declare")
        clipped_title = clip(title, TITLE_LIMIT)
        return Declare(severity_id, clipped_title, clipped=clipped_title != title, incident_type=incident_type)

    def _take_type(self, rest: str) -> tuple[str | None, str]:
        """A leading `type:security` (or `유형:security`): the incident's type, which the policy must define."""
        first, _, remainder = rest.partition(" ")
        if not first.lower().startswith(("type:", "유형:")):
            return None, rest
        name = first.split(":", 1)[1].lower()
        known = self.policy.policy.incident_types
        if name not in known:
            raise UsageError("error.unknown_incident_type", "usage.declare", value=clip(name, 40),
                             known=", ".join(sorted(known)) or "—")
        return name, remainder.strip()

    def _only_number(self, tokens: list[str], usage: str) -> int | None:
        if not tokens:
            return None
        number = parse_number(tokens[0])
        if number is None or len(tokens) > 1:
            raise UsageError("error.bad_number", usage, value=clip(" ".join(tokens), 40))
        return number

    def _assign(self, tokens: list[str]) -> Assign:
        number, remaining = _take_number(tokens)
        if not remaining:
            raise UsageError("error.missing_mention", "usage.assign")
        user_id = parse_mention(remaining[0])
        if user_id is None:
            raise UsageError("error.bad_mention", "usage.assign", value=clip(remaining[0], 40))
        role = Role.RESPONDER
        if len(remaining) > 2 and korean_role("".join(remaining[1:])) in {r.value for r in Role}:
            remaining = [remaining[0], "".join(remaining[1:])]  # 대응 책임자, 인시던트 커맨더: two words
        if len(remaining) > 1:
            try:
                role = Role(korean_role(remaining[1].lower()))
            except ValueError:
                raise UsageError(
                    "error.unknown_role",
                    "usage.assign",
                    value=clip(remaining[1], 40),
                    allowed=", ".join(r.value for r in Role),
                ) from None
        if len(remaining) > 2:
            raise UsageError("error.unknown_role", "usage.assign", value=clip(" ".join(remaining[1:]), 40),
                             allowed=", ".join(r.value for r in Role))
        return Assign(number, user_id, role)
