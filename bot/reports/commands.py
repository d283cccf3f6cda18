"""Parsing `/incident report [7d | 30d | 90d | <from> <to>] [service] [public]`. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.errors import UsageError
from bot.slack.text import clip

MAX_DAYS = 366
_SPAN = re.compile(r"^(\d{1,3})d$", re.IGNORECASE)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ReportCommand:
    # Either the last `days` days up to now, or whole days from `start` to `end` (inclusive).
    days: int | None = 30
    start: date | None = None
    end: date | None = None
    service: str | None = None
    public: bool = False


def parse_day(token: str) -> date:
    if not _DATE.match(token):
        raise UsageError("error.report_bad_range", "usage.report", value=clip(token, 40))
    try:
        return date.fromisoformat(token)
    except ValueError:
        raise UsageError("error.report_bad_range", "usage.report", value=clip(token, 40)) from None


def parse_span(token: str) -> int:
    match = _SPAN.match(token)
    if not match or not 1 <= int(match.group(1)) <= MAX_DAYS:
        raise UsageError("error.report_bad_range", "usage.report", value=clip(token, 40))
    return int(match.group(1))


def parse_report(tokens: list[str]) -> ReportCommand:
    tokens = list(tokens)
    public = False
    if tokens and tokens[-1].lower() in ("public", "공개"):
        public, tokens = True, tokens[:-1]
    days: int | None = 30
    start = end = None
    # Anything that starts with a digit is a period, and must be a good one.
    if tokens and tokens[0][:1].isdigit():
        if _DATE.match(tokens[0]) or "-" in tokens[0]:
            if len(tokens) < 2 or not tokens[1][:1].isdigit():
                raise UsageError("error.report_bad_range", "usage.report", value=clip(tokens[0], 40))
            start, end, days = parse_day(tokens[0]), parse_day(tokens[1]), None
            tokens = tokens[2:]
            if end < start:
                raise UsageError("error.report_backwards", "usage.report", start=str(start), end=str(end))
            if end - start > timedelta(days=MAX_DAYS):
                raise UsageError("error.report_too_long", "usage.report")
        else:
            days, tokens = parse_span(tokens[0]), tokens[1:]
    if len(tokens) > 1 or (tokens and tokens[0][:1].isdigit()):
        raise UsageError("error.report_bad_range", "usage.report", value=clip(" ".join(tokens), 40))
    service = tokens[0][:200] if tokens else None
    return ReportCommand(days=days, start=start, end=end, service=service, public=public)
