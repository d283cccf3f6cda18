"""Policy parts of post-mortems and reports: the document's headings (Korean and English), when a
post-mortem is due per severity, availability targets and the scheduled reports (seed 002: the daily
report at 18:00, the weekly report on Fridays, the monthly SLA review).

Kept apart from schema.py (which imports it) so the shared module stays small; every field is optional.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from bot.policy.fields import Duration, valid_cron

# The sections of the manual's post-mortem, in order. People fill the ones marked in FILL_IN.
SECTIONS = ("summary", "impact", "business_impact", "timeline", "root_cause", "went_well", "went_wrong",
            "action_items")
FILL_IN = ("impact", "business_impact", "root_cause", "went_well", "went_wrong")

DEFAULT_HEADINGS: dict[str, dict[str, str]] = {
    "en": {
        "summary": "Summary",
        "impact": "Impact",
        "business_impact": "Business impact",
        "timeline": "Timeline",
        "root_cause": "Root cause",
        "went_well": "What went well",
        "went_wrong": "What could have gone better",
        "action_items": "Action items",
    },
    "ko": {
        "summary": "요약",
        "impact": "영향 범위",
        "business_impact": "비즈니스 영향",
        "timeline": "타임라인",
        "root_cause": "근본 원인",
        "went_well": "잘된 점",
        "went_wrong": "개선할 점",
        "action_items": "후속 조치",
    },
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _zone(value: str | None) -> str | None:
    if value is None:
        return value
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Asia/Seoul)") from None
    return value


class PostmortemPolicy(_Strict):
    # The manuals: a post-mortem within 48 hours; per severity where it differs.
    due_after: Duration = timedelta(hours=48)
    due_by_severity: dict[str, Duration] = Field(default_factory=dict)
    # The commander is reminded this long before it is due; the manager tier is told when it is overdue.
    remind_before: Duration = timedelta(hours=4)
    # Headings per language, merged over DEFAULT_HEADINGS: {ko: {root_cause: "원인 분석"}}.
    headings: dict[str, dict[str, str]] = Field(default_factory=dict)

    @field_validator("headings")
    @classmethod
    def _known_sections(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for locale, headings in value.items():
            unknown = sorted(set(headings) - set(SECTIONS))
            if unknown:
                raise ValueError(f"unknown post-mortem sections for {locale}: {', '.join(unknown)} "
                                 f"(known: {', '.join(SECTIONS)})")
        return value

    def due_for(self, severity: str) -> timedelta:
        return self.due_by_severity.get(severity, self.due_after)

    def heading(self, locale: str, section: str) -> str:
        own = self.headings.get(locale, {})
        return own.get(section) or DEFAULT_HEADINGS.get(locale, DEFAULT_HEADINGS["en"])[section]


class ReportPeriod(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class ScheduledReport(_Strict):
    cron: Annotated[str, AfterValidator(valid_cron)]
    period: ReportPeriod
    timezone: Annotated[str | None, AfterValidator(_zone)] = None
    # Where it is posted; defaults to reports.channel, then channels.ops.
    channel: str | None = Field(default=None, pattern=r"^[CG][A-Z0-9]{2,}$")
    chart: bool = True


class ReportsPolicy(_Strict):
    channel: str | None = Field(default=None, pattern=r"^[CG][A-Z0-9]{2,}$")
    # Downtime of a service = the intervals of its incidents at these severities (seed 003: P0/P1 are outages).
    downtime_severities: list[str] = Field(default_factory=lambda: ["P0", "P1"])
    # Availability targets in percent per service; the default applies to the others (99.9 %: 43 min a month).
    availability_target: float = Field(default=99.9, gt=0, le=100)
    availability_targets: dict[str, Annotated[float, Field(gt=0, le=100)]] = Field(default_factory=dict)
    schedules: dict[str, ScheduledReport] = Field(default_factory=dict)

    def target_for(self, service: str) -> float:
        return self.availability_targets.get(service, self.availability_target)
