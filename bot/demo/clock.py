"""The demo's clock: real time plus however far the person fast-forwarded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ShiftedClock:
    """`now()` runs with the wall clock; `advance` moves it ahead (never back)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        if delta > timedelta(0):
            self.offset += delta
