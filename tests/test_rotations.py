"""Who is on call, computed from layers and overrides. Deterministic instants, real time zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.oncall.rotations import OverrideWindow, next_handoff, on_call, upcoming
from bot.policy.schema import Rotation

SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")


def rotation(**layer: object) -> Rotation:
    base = {"members": ["UAA", "UBB", "UCC"], "shift": "1d", "handoff_time": "09:00", "start": "2026-01-05"}
    return Rotation.model_validate({"layers": [{**base, **layer}]})


def at(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone).astimezone(UTC)  # type: ignore[misc]


def test_daily_handoff_at_nine_in_seoul() -> None:
    daily = rotation()
    assert on_call(daily, SEOUL, at(SEOUL, 2026, 1, 5, 9, 0)).user_id == "UAA"
    assert on_call(daily, SEOUL, at(SEOUL, 2026, 1, 6, 8, 59)).user_id == "UAA"
    assert on_call(daily, SEOUL, at(SEOUL, 2026, 1, 6, 9, 0)).user_id == "UBB"
    assert on_call(daily, SEOUL, at(SEOUL, 2026, 1, 8, 9, 0)).user_id == "UAA", "wraps around"
    shift = on_call(daily, SEOUL, at(SEOUL, 2026, 3, 1, 12, 0))
    assert shift.starts_at == at(SEOUL, 2026, 3, 1, 9, 0) and shift.ends_at == at(SEOUL, 2026, 3, 2, 9, 0)


def test_twelve_hour_shifts() -> None:
    halves = rotation(members=["UDAY", "UNIGHT"], shift="12h", handoff_time="09:00")
    assert on_call(halves, SEOUL, at(SEOUL, 2026, 2, 2, 10, 0)).user_id == "UDAY"
    assert on_call(halves, SEOUL, at(SEOUL, 2026, 2, 2, 21, 0)).user_id == "UNIGHT"
    assert on_call(halves, SEOUL, at(SEOUL, 2026, 2, 3, 8, 59)).user_id == "UNIGHT"


def test_weekly_shifts_hand_off_on_the_weekday() -> None:
    weekly = rotation(shift="1w", handoff_weekday="monday", handoff_time="10:00", start="2026-01-01")
    # 2026-01-01 is a Thursday; the first handoff is Monday 2026-01-05 10:00.
    assert on_call(weekly, SEOUL, at(SEOUL, 2026, 1, 5, 10, 0)).user_id == "UAA"
    assert on_call(weekly, SEOUL, at(SEOUL, 2026, 1, 12, 9, 59)).user_id == "UAA"
    assert on_call(weekly, SEOUL, at(SEOUL, 2026, 1, 12, 10, 0)).user_id == "UBB"


def test_handoff_stays_at_nine_across_daylight_saving() -> None:
    daily = rotation()
    # DST starts in New York on 2026-03-08 at 02:00: that shift is 23 hours long.
    before = on_call(daily, NEW_YORK, at(NEW_YORK, 2026, 3, 7, 12, 0))
    assert before.ends_at == at(NEW_YORK, 2026, 3, 8, 9, 0)
    during = on_call(daily, NEW_YORK, at(NEW_YORK, 2026, 3, 8, 12, 0))
    assert during.starts_at.astimezone(NEW_YORK).hour == 9
    assert during.ends_at - during.starts_at == timedelta(hours=24)
    assert before.ends_at - before.starts_at == timedelta(hours=23)
    # And back: DST ends 2026-11-01, a 25-hour shift.
    fall = on_call(daily, NEW_YORK, at(NEW_YORK, 2026, 10, 31, 12, 0))
    assert fall.ends_at - fall.starts_at == timedelta(hours=25)
    assert fall.ends_at.astimezone(NEW_YORK).hour == 9
    assert before.user_id != during.user_id


def test_seoul_has_no_daylight_saving() -> None:
    daily = rotation()
    for month in (3, 11):
        shift = on_call(daily, SEOUL, at(SEOUL, 2026, month, 8, 12, 0))
        assert shift.ends_at - shift.starts_at == timedelta(hours=24)


def test_layered_day_and_night() -> None:
    layered = Rotation.model_validate({"layers": [
        {"name": "day", "members": ["UD1", "UD2"], "shift": "1d", "handoff_time": "09:00"},
        {"name": "night", "members": ["UN1", "UN2"], "shift": "1w", "handoff_weekday": "monday",
         "handoff_time": "18:00", "hours": "18:00-09:00"},
    ]})
    noon = on_call(layered, SEOUL, at(SEOUL, 2026, 2, 3, 12, 0))
    evening = on_call(layered, SEOUL, at(SEOUL, 2026, 2, 3, 20, 0))
    early = on_call(layered, SEOUL, at(SEOUL, 2026, 2, 4, 8, 0))
    assert noon.source == "day" and evening.source == "night" and early.source == "night"
    assert noon.ends_at == at(SEOUL, 2026, 2, 3, 18, 0), "the day slot ends when the night layer starts"
    assert evening.user_id == early.user_id
    shifts = upcoming(layered, SEOUL, at(SEOUL, 2026, 2, 3, 12, 0), at(SEOUL, 2026, 2, 4, 12, 0))
    assert [s.source for s in shifts] == ["day", "night", "day"]


def test_restricted_hours_alone_leave_a_gap() -> None:
    nights_only = rotation(hours="18:00-09:00")
    gap = on_call(nights_only, SEOUL, at(SEOUL, 2026, 2, 3, 12, 0))
    assert gap.user_id is None and gap.source == "gap"
    assert gap.ends_at == at(SEOUL, 2026, 2, 3, 18, 0)


def test_overrides_inside_and_across_shifts() -> None:
    daily = rotation()
    inside = OverrideWindow(1, "UXX", at(SEOUL, 2026, 1, 5, 12, 0), at(SEOUL, 2026, 1, 5, 14, 0))
    across = OverrideWindow(2, "UYY", at(SEOUL, 2026, 1, 6, 20, 0), at(SEOUL, 2026, 1, 7, 11, 0))
    windows = [inside, across]
    assert on_call(daily, SEOUL, at(SEOUL, 2026, 1, 5, 11, 0), windows).ends_at == inside.starts_at
    assert on_call(daily, SEOUL, at(SEOUL, 2026, 1, 5, 13, 0), windows).user_id == "UXX"
    assert on_call(daily, SEOUL, at(SEOUL, 2026, 1, 5, 14, 0), windows).user_id == "UAA"
    assert on_call(daily, SEOUL, at(SEOUL, 2026, 1, 7, 9, 30), windows).user_id == "UYY"
    assert on_call(daily, SEOUL, at(SEOUL, 2026, 1, 7, 11, 0), windows).user_id == "UCC"
    shifts = upcoming(daily, SEOUL, at(SEOUL, 2026, 1, 5, 9, 0), at(SEOUL, 2026, 1, 8, 9, 0), windows)
    assert [s.user_id for s in shifts] == ["UAA", "UXX", "UAA", "UBB", "UYY", "UCC"]
    assert [s.source.startswith("override") for s in shifts] == [False, True, False, False, True, False]


def test_next_handoff_skips_same_person_slots() -> None:
    solo = rotation(members=["UONLY"])
    assert next_handoff(solo, SEOUL, at(SEOUL, 2026, 1, 5, 12, 0)) is None
    daily = rotation()
    incoming = next_handoff(daily, SEOUL, at(SEOUL, 2026, 1, 5, 12, 0))
    assert incoming is not None and incoming.user_id == "UBB"
    assert incoming.starts_at == at(SEOUL, 2026, 1, 6, 9, 0)


@pytest.mark.parametrize("bad", [{"shift": "30m"}, {"handoff_time": "25:00"}, {"hours": "18:00"},
                                 {"members": ["bob"]}, {"handoff_weekday": "someday"}])
def test_rotation_validation(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        rotation(**bad)


def test_instants_are_utc_safe() -> None:
    daily = rotation()
    utc = on_call(daily, SEOUL, datetime(2026, 1, 6, 0, 0, tzinfo=UTC))  # 09:00 in Seoul
    assert utc.user_id == "UBB"
