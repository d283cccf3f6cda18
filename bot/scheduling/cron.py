"""Cron expressions as people write them (0/7 = Sunday, 1 = Monday), on APScheduler's CronTrigger.

APScheduler counts weekdays from Monday = 0, so numeric weekdays are translated to names here.
`tue#2` in the weekday field means the second Tuesday of the month (seed 004's patch day).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_ORDINALS = {"1": "1st", "2": "2nd", "3": "3rd", "4": "4th", "5": "5th"}


def _weekday_name(token: str) -> str:
    token = token.lower()
    if token.isdigit():
        number = int(token)
        if not 0 <= number <= 7:
            raise ValueError(f"weekday {token} is not 0-7")
        return _NAMES[number % 7]
    if token[:3] in _NAMES:
        return token[:3]
    raise ValueError(f"unknown weekday {token!r}")


def _weekdays(field: str) -> str:
    if field in ("*", "?"):
        return "*"
    names: list[str] = []
    for part in field.split(","):
        if "/" in part:
            raise ValueError("steps are not supported in the weekday field; list the days")
        if "-" in part:
            first, last = (_NAMES.index(_weekday_name(p)) for p in part.split("-", 1))
            if part.split("-", 1)[1] == "7":
                last = 7
            span = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
            names.extend(_NAMES[i % 7] for i in span)
        else:
            names.append(_weekday_name(part))
    return ",".join(dict.fromkeys(names))


def parse_cron(expression: str, zone: ZoneInfo | str = "UTC") -> CronTrigger:
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"expected 5 fields (minute hour day month weekday), got {len(fields)}")
    minute, hour, day, month, weekday = fields
    if "#" in weekday:
        name, _, nth = weekday.partition("#")
        if day != "*" or nth not in _ORDINALS:
            raise ValueError("use weekday#n (n = 1-5) with * as the day of month, e.g. 0 2 * * tue#2")
        day, weekday = f"{_ORDINALS[nth]} {_weekday_name(name)}", "*"
    else:
        weekday = _weekdays(weekday)
    try:
        return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=weekday, timezone=zone)
    except ValueError as exc:
        raise ValueError(str(exc)) from None


def next_fire(expression: str, zone: ZoneInfo | str, after: datetime) -> datetime | None:
    """The first time strictly after `after`."""
    fire = parse_cron(expression, zone).get_next_fire_time(None, after + timedelta(seconds=1))
    return fire.astimezone(ZoneInfo("UTC")) if fire else None
