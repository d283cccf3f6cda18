"""The policy file: the operations manual as validated YAML."""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
)

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")


_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")


CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")


def parse_duration(value: Any) -> timedelta:
    """`30s`, `5m`, `2h`, `1d`, `1w` (or an int of seconds) to a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        seconds = value
        if seconds <= 0:
            raise ValueError("must be positive")
        return timedelta(seconds=seconds)
    if not isinstance(value, str) or not (match := _DURATION.match(value)):
        raise ValueError(f"expected a duration like 30s, 5m, 2h, 1d or 1w, got {value!r}")
    amount = int(match.group(1))
    if amount <= 0:
        raise ValueError("must be positive")
    return timedelta(**{_UNITS[match.group(2)]: amount})


def format_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def _ids(pattern: re.Pattern[str], what: str) -> AfterValidator:
    def check(values: list[str]) -> list[str]:
        bad = [v for v in values if not pattern.match(v)]
        if bad:
            raise ValueError(f"not {what}: {', '.join(bad)}")
        return values

    return AfterValidator(check)


UserIds = Annotated[list[str], _ids(USER_ID, "Slack user ids (U…)")]


GroupIds = Annotated[list[str], _ids(GROUP_ID, "Slack user group ids (S…)")]


ChannelIds = Annotated[list[str], _ids(CHANNEL_ID, "Slack channel ids (C…)")]


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_clock(value: Any) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, int) and 0 <= value < 24 * 60:  # YAML 1.1 reads 09:00 as 540 (sexagesimal)
        return time(value // 60, value % 60)
    if not isinstance(value, str) or not (match := _CLOCK.match(value.strip())):
        raise ValueError(f"expected a time like 09:00, got {value!r}")
    return time(int(match.group(1)), int(match.group(2)))


def parse_weekday(value: Any) -> int | None:
    if value is None or isinstance(value, int):
        return value
    name = str(value).strip().lower()
    for index, weekday in enumerate(_WEEKDAYS):
        if weekday.startswith(name) and len(name) >= 3:
            return index
    raise ValueError(f"expected a weekday like monday, got {value!r}")


def parse_hours(value: Any) -> tuple[time, time] | None:
    if value is None or isinstance(value, tuple):
        return value
    parts = str(value).replace("–", "-").split("-")
    if len(parts) != 2:
        raise ValueError(f"expected hours like 18:00-09:00, got {value!r}")
    start, end = parse_clock(parts[0].strip()), parse_clock(parts[1].strip())
    if start == end:
        raise ValueError("the hours must not start and end at the same time")
    return start, end


def valid_cron(value: str) -> str:
    from bot.scheduling.cron import parse_cron

    parse_cron(value)
    return value
