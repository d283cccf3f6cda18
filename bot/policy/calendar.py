"""Business hours and holidays: when people are at work (seed 000 제1조: support hours versus 24/7 service;
seed 002 §1.3: 평일 09:00 - 18:00), and what schedules and pages do about the rest of the time.

The policy's `calendar:` section names a time zone, the working days and hours, the public holidays of a
country (through the `holidays` package, e.g. KR: 설날, 추석, substitute holidays) and company days of its
own. `WorkCalendar` answers the questions the rest of Firebell asks: is this a working day, is this moment
within working hours, when does the next working window open, and where does a schedule's occurrence land.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from bot.policy.fields import parse_hours, parse_weekday

# How a schedule treats a day nobody works: `next` moves the occurrence to the next working day at the same
# local time (occurrences landing on the same moment are one run), `skip` drops it.
BusinessDays = Literal["next", "skip"]

_SEARCH_DAYS = 400  # a year and a bit: long enough for any real calendar, short enough to stop a bad one


def parse_business_days(value: Any) -> str | None:
    if value is None or value is False:
        return None
    if value is True:
        return "next"
    if isinstance(value, str) and value.strip().lower() in ("next", "skip"):
        return value.strip().lower()
    raise ValueError(f"expected true, false, next or skip, got {value!r}")


BusinessDaysField = Annotated[BusinessDays | None, BeforeValidator(parse_business_days)]


def _weekdays(value: Any) -> Any:
    if not isinstance(value, list):
        raise ValueError("expected a list of weekdays like [mon, tue, wed, thu, fri]")
    return [parse_weekday(v) for v in value]


class CompanyDay(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    date: date
    name: str = Field(default="", max_length=80)


def _company_day(value: Any) -> Any:
    if isinstance(value, date | str):
        return {"date": value}
    return value


class HolidaySource(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str = Field(pattern=r"^[A-Z]{2}$")
    subdivision: str | None = None

    @field_validator("country")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in holidays.list_supported_countries():
            raise ValueError(f"the holidays package knows no country {v!r} (use an ISO code such as KR)")
        return v


class CalendarPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str | None = None  # defaults to the policy's time zone
    working_days: Annotated[list[int], BeforeValidator(_weekdays)] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    working_hours: Annotated[tuple[time, time], BeforeValidator(parse_hours)] = (time(9, 0), time(18, 0))
    holidays: HolidaySource | None = None
    company_days: list[Annotated[CompanyDay, BeforeValidator(_company_day)]] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                ZoneInfo(v)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {v!r} (use an IANA name such as Asia/Seoul)") from None
        return v

    @field_validator("working_days")
    @classmethod
    def _some_days(cls, v: list[int]) -> list[int]:
        if not v:
            raise ValueError("needs at least one working day")
        return sorted(set(v))

    @field_validator("working_hours")
    @classmethod
    def _daytime(cls, v: tuple[time, time]) -> tuple[time, time]:
        if v[0] >= v[1]:
            raise ValueError("working hours must start before they end on the same day, e.g. 09:00-18:00")
        return v


class WorkCalendar:
    """The calendar in force: working days, hours and holidays in one time zone."""

    def __init__(self, policy: CalendarPolicy, default_zone: str) -> None:
        self.policy = policy
        self.zone = ZoneInfo(policy.timezone or default_zone)
        self._company = {d.date: d.name for d in policy.company_days}

    @functools.lru_cache(maxsize=16)  # noqa: B019 - one calendar per policy, a handful of years each
    def _public(self, year: int) -> dict[date, str]:
        source = self.policy.holidays
        if source is None:
            return {}
        found = holidays.country_holidays(source.country, subdiv=source.subdivision, years=year, language="ko"
                                          if source.country == "KR" else None)
        return dict(found.items())

    def holiday(self, day: date) -> str | None:
        """The holiday's name when `day` is one (a company day or a public holiday), else None."""
        if day in self._company:
            return self._company[day] or "company day"
        return self._public(day.year).get(day)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.policy.working_days and self.holiday(day) is None

    def is_open(self, moment: datetime) -> bool:
        """Within working hours on a working day."""
        local = moment.astimezone(self.zone)
        start, end = self.policy.working_hours
        return self.is_working_day(local.date()) and start <= local.time() < end

    def next_open(self, moment: datetime) -> datetime:
        """`moment` itself when within working hours, else the start of the next working window (UTC)."""
        if self.is_open(moment):
            return moment
        local = moment.astimezone(self.zone)
        start = self.policy.working_hours[0]
        day = local.date() if local.time() < start else local.date() + timedelta(days=1)
        for _ in range(_SEARCH_DAYS):
            if self.is_working_day(day):
                return datetime.combine(day, start, self.zone).astimezone(UTC)
            day += timedelta(days=1)
        raise ValueError("the calendar has no working day within a year")

    def land(self, moment: datetime, mode: str | None) -> datetime | None:
        """Where a schedule's occurrence lands: as it is on a working day; on a day off, the next working
        day at the same local time (`next`) or nowhere (`skip`)."""
        local = moment.astimezone(self.zone)
        if mode is None or self.is_working_day(local.date()):
            return moment
        if mode == "skip":
            return None
        day = local.date()
        for _ in range(_SEARCH_DAYS):
            day += timedelta(days=1)
            if self.is_working_day(day):
                return datetime.combine(day, local.time(), self.zone).astimezone(UTC)
        raise ValueError("the calendar has no working day within a year")


def next_business_fire(cron: str, zone: ZoneInfo, after: datetime, calendar: WorkCalendar | None,
                       mode: str | None) -> datetime | None:
    """The cron's next occurrence after `after`, landed by the calendar (`mode` next or skip)."""
    from bot.scheduling.cron import next_fire

    cursor = after
    for _ in range(_SEARCH_DAYS * 2):
        fire = next_fire(cron, zone, cursor)
        if fire is None:
            return None
        if calendar is None or mode is None:
            return fire
        landed = calendar.land(fire, mode)
        if landed is not None and landed > after:
            return landed
        cursor = fire
    return None
