"""`/incident list` with filters and pages: status, severity, service, type, a date range and words of the
title (`/incident list all P1 service:api type:security from:2026-03-01 to:2026-03-31 결제 page:2`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.aliases import option
from bot.errors import UsageError
from bot.incidents.lifecycle import Status
from bot.slack.text import clip
from storage.models import Incident
from storage.repositories.incident_search import search_incidents

PAGE_SIZE = 30
_SEVERITY = re.compile(r"^(?:p|sev)(\d+)$", re.IGNORECASE)
_STATUS_WORDS = {"선언됨": "declared", "인지됨": "acknowledged", "완화됨": "mitigated", "해결됨": "resolved",
                 "재개됨": "reopened"}
_KEYS = {"service": "service", "서비스": "service", "type": "type", "유형": "type", "from": "from",
         "부터": "from", "to": "to", "까지": "to", "page": "page", "페이지": "page"}


@dataclass(frozen=True)
class ListFilters:
    include_closed: bool = False
    statuses: tuple[str, ...] = ()  # none: open ones (or all with include_closed)
    severities: tuple[str, ...] = ()
    service: str | None = None
    incident_type: str | None = None
    since: date | None = None  # declared on or after, in the policy's time zone
    until: date | None = None  # declared on or before
    words: tuple[str, ...] = field(default_factory=tuple)  # all in the title (case-insensitive)
    page: int = 1

    @property
    def narrowed(self) -> bool:
        return bool(self.statuses or self.severities or self.service or self.incident_type or self.since
                    or self.until or self.words)


def _date(value: str, word: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError("error.bad_list_filter", "usage.list", value=clip(word, 40)) from None


def parse_list(tokens: list[str]) -> ListFilters:
    include_closed = False
    statuses: list[str] = []
    severities: list[str] = []
    values: dict[str, str] = {}
    words: list[str] = []
    for word in tokens:
        lowered = option(word.lower())
        key, colon, value = word.partition(":")
        if lowered in ("open", "all"):
            include_closed = include_closed or lowered == "all"
        elif lowered in {s.value for s in Status} or lowered in _STATUS_WORDS:
            statuses.append(_STATUS_WORDS.get(lowered, lowered))
        elif match := _SEVERITY.match(word):
            severities.append(f"P{match.group(1)}")
        elif colon and key.lower() in ("text", "검색"):
            words.extend(w for w in value.split() if w)
        elif colon and key.lower() in _KEYS:
            if not value:
                raise UsageError("error.bad_list_filter", "usage.list", value=clip(word, 40))
            values[_KEYS[key.lower()]] = value
        else:
            raise UsageError("error.bad_list_filter", "usage.list", value=clip(word, 40))
    page = values.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        raise UsageError("error.bad_list_filter", "usage.list", value=clip(f"page:{page}", 40))
    return ListFilters(
        include_closed=include_closed or bool(statuses), statuses=tuple(statuses), severities=tuple(severities),
        service=values.get("service"), incident_type=values.get("type"),
        since=_date(values["from"], "from:" + values["from"]) if "from" in values else None,
        until=_date(values["to"], "to:" + values["to"]) if "to" in values else None,
        words=tuple(words), page=int(page),
    )


async def search(session: AsyncSession, filters: ListFilters, statuses: list[str] | None, zone: ZoneInfo,
                 limit: int) -> Sequence[Incident]:
    """One page of incidents matching the filters; the dates are whole days in the policy's time zone."""
    def start_of(day: date) -> datetime:
        return datetime.combine(day, time(0), zone).astimezone(UTC)

    return await search_incidents(
        session=session, statuses=statuses, severities=filters.severities, service=filters.service,
        incident_type=filters.incident_type, since=start_of(filters.since) if filters.since else None,
        before=start_of(filters.until + timedelta(days=1)) if filters.until else None, words=filters.words,
        limit=limit, offset=(filters.page - 1) * PAGE_SIZE)
