"""People's ways of saying when: `30m`, `2h`, `18:00`, `tomorrow 09:00`, `2026-11-22 09:00`, in a zone."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.policy.fields import parse_clock, parse_duration

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class WhenError(ValueError):
    pass


def parse_moment(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """An absolute moment: `18:00` (next time it is 18:00), `tomorrow 09:00`, `2026-11-22 09:00`, `2026-11-22`."""
    words = text.strip().lower().split()
    if not words:
        raise WhenError("empty")
    local_now = now.astimezone(zone)
    day: date | None = None
    if words[0] in ("today", "오늘"):
        day, words = local_now.date(), words[1:]
    elif words[0] in ("tomorrow", "내일"):
        day, words = local_now.date() + timedelta(days=1), words[1:]
    elif match := _DATE.match(words[0]):
        try:
            day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            raise WhenError(words[0]) from None
        words = words[1:]
    if len(words) > 1:
        raise WhenError(text)
    try:
        clock = parse_clock(words[0]) if words else time(0, 0)
    except ValueError:
        raise WhenError(text) from None
    if day is None:
        moment = datetime.combine(local_now.date(), clock, zone)
        if moment <= local_now:
            moment = datetime.combine(local_now.date() + timedelta(days=1), clock, zone)
        return moment
    return datetime.combine(day, clock, zone)


def parse_span_end(words: list[str], start: datetime, zone: ZoneInfo) -> datetime:
    """`2h` (a duration from start) or `until <moment>`."""
    if not words:
        raise WhenError("empty")
    if words[0].lower() in ("until", "까지"):
        return parse_moment(" ".join(words[1:]), start, zone)
    if len(words) != 1:
        raise WhenError(" ".join(words))
    try:
        return start + parse_duration(words[0])
    except ValueError:
        raise WhenError(words[0]) from None


def parse_when(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """A duration from now (`30m`) or a moment (`tomorrow 09:00`)."""
    try:
        return now + parse_duration(text.strip())
    except ValueError:
        return parse_moment(text, now, zone)


def split_when(tokens: list[str]) -> tuple[str, list[str]]:
    """`30m text`, `18:00 text`, `tomorrow 09:00 text`: the when part is one or two tokens."""
    if (len(tokens) > 1 and tokens[0].lower() in ("today", "tomorrow", "오늘", "내일")) or (
        len(tokens) > 1 and tokens[0][:4].isdigit() and "-" in tokens[0] and ":" in tokens[1]
    ):
        return " ".join(tokens[:2]), tokens[2:]
    return (tokens[0] if tokens else ""), tokens[1:]
