"""Who is on call: rotation layers computed from the policy, overrides on top. Pure functions.

Shifts follow the wall clock of the rotation's time zone: a daily 09:00 handoff stays at 09:00
across daylight-saving changes (that day's shift is 23 or 25 hours long), as people expect.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.policy.schema import Layer, Rotation


@dataclass(frozen=True)
class OverrideWindow:
    id: int
    user_id: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Shift:
    user_id: str | None
    starts_at: datetime
    ends_at: datetime
    source: str  # layer name, "override:<id>", or "gap"


@dataclass(frozen=True)
class RotationNow:
    """A rotation at a glance: who is on call now, and the next handoff if there is one."""

    rotation: str
    current: Shift
    following: Shift | None


def _localize(naive: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in the zone as a UTC instant (in a DST gap, the instant just after it).

    UTC on the way out because Python compares and subtracts datetimes that share a tzinfo by
    wall clock, which is wrong across a DST change.
    """
    return naive.replace(tzinfo=zone).astimezone(UTC)


def _anchor(layer: Layer) -> datetime:
    """The first handoff of the layer, as naive local time."""
    start: date = layer.start
    if layer.handoff_weekday is not None:
        start += timedelta(days=(layer.handoff_weekday - start.weekday()) % 7)
    return datetime.combine(start, layer.handoff_time)


def _within(local_time: time, start: time, end: time) -> bool:
    if start < end:
        return start <= local_time < end
    return local_time >= start or local_time < end  # wraps midnight, e.g. 18:00–09:00


def layer_slot(layer: Layer, zone: ZoneInfo, at: datetime) -> tuple[str | None, datetime, datetime]:
    """(member or None, slot start, slot end) for one layer at an instant."""
    local = at.astimezone(zone).replace(tzinfo=None)
    anchor = _anchor(layer)
    index = math.floor((local - anchor) / layer.shift)
    shift_start = anchor + index * layer.shift
    shift_end = shift_start + layer.shift
    member = layer.members[index % len(layer.members)] if layer.members else None
    start, end = shift_start, shift_end
    if layer.hours is not None:
        window_start, window_end = layer.hours
        day = local.date()
        # Boundaries of the restriction window around `local`.
        candidates = sorted(
            datetime.combine(day + timedelta(days=offset), boundary)
            for offset in (-1, 0, 1)
            for boundary in (window_start, window_end)
        )
        before = max(c for c in candidates if c <= local)
        after = min(c for c in candidates if c > local)
        start, end = max(start, before), min(end, after)
        if not _within(local.time(), window_start, window_end):
            member = None
    return member, _localize(start, zone), _localize(end, zone)


def on_call(
    rotation: Rotation, zone: ZoneInfo, at: datetime, overrides: Sequence[OverrideWindow] = ()
) -> Shift:
    """The person on call at `at`, the slot they are in, and where it came from."""
    for override in overrides:
        if override.starts_at <= at < override.ends_at:
            return Shift(override.user_id, override.starts_at, override.ends_at, f"override:{override.id}")
    best: Shift | None = None
    start = at
    end = at + timedelta(days=366)
    # Later layers sit on top of earlier ones (a night layer over the day layer); any layer's
    # boundary, or an override beginning, ends the current slot.
    for layer in rotation.layers:
        member, slot_start, slot_end = layer_slot(layer, zone, at)
        end = min(end, slot_end)
        start = min(start, slot_start) if best is None else max(start, slot_start)
        if member is not None:
            best = Shift(member, slot_start, slot_end, layer.name or "")
    for override in overrides:
        if at < override.starts_at < end:
            end = override.starts_at
    if best is None:
        return Shift(None, start, end, "gap")
    return Shift(best.user_id, best.starts_at, end, best.source)


def upcoming(
    rotation: Rotation, zone: ZoneInfo, start: datetime, until: datetime,
    overrides: Sequence[OverrideWindow] = (), limit: int = 200,
) -> list[Shift]:
    """Consecutive shifts from `start` to `until`, merging slots of the same person."""
    shifts: list[Shift] = []
    cursor = start
    while cursor < until and len(shifts) < limit:
        shift = on_call(rotation, zone, cursor, overrides)
        piece = Shift(shift.user_id, cursor, min(shift.ends_at, until), shift.source)
        if shifts and shifts[-1].user_id == piece.user_id and shifts[-1].ends_at == piece.starts_at:
            shifts[-1] = Shift(piece.user_id, shifts[-1].starts_at, piece.ends_at, shifts[-1].source)
        else:
            shifts.append(piece)
        if shift.ends_at <= cursor:  # defensive: never loop in place
            cursor += timedelta(minutes=1)
        else:
            cursor = shift.ends_at
    return shifts


def next_handoff(
    rotation: Rotation, zone: ZoneInfo, at: datetime, overrides: Sequence[OverrideWindow] = (),
    horizon: timedelta = timedelta(days=62),
) -> Shift | None:
    """The next moment the person on call changes, as the incoming shift."""
    current = on_call(rotation, zone, at, overrides)
    for shift in upcoming(rotation, zone, at, at + horizon, overrides, limit=50)[1:]:
        if shift.user_id != current.user_id:
            return shift
    return None
