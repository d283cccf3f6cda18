"""The severity model P0–P4 (seeds 003 and 004). One place, so the policy file can replace it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class Broadcast(StrEnum):
    NONE = "none"
    HERE = "here"
    CHANNEL = "channel"


@dataclass(frozen=True)
class Severity:
    id: str
    name_en: str
    name_ko: str
    emoji: str
    ack_within: timedelta
    resolve_within: timedelta
    broadcast: Broadcast

    def name(self, locale: str) -> str:
        return self.name_ko if locale == "ko" else self.name_en


# 003 gives P0 5 min / 1 h, P1 15 min / 4 h, P2 1 h / 24 h, P3 2 days / "next release";
# 004 gives P4 72 h. P3's "next release" is taken as one week, P4's resolve target as two weeks.
DEFAULT_SEVERITIES: tuple[Severity, ...] = (
    Severity("P0", "Critical", "치명", ":red_circle:", timedelta(minutes=5), timedelta(hours=1),
             Broadcast.CHANNEL),
    Severity("P1", "Major", "중대", ":large_orange_circle:", timedelta(minutes=15), timedelta(hours=4),
             Broadcast.HERE),
    Severity("P2", "Minor", "경미", ":large_yellow_circle:", timedelta(hours=1), timedelta(hours=24),
             Broadcast.NONE),
    Severity("P3", "Low", "낮음", ":large_blue_circle:", timedelta(days=2), timedelta(days=7),
             Broadcast.NONE),
    Severity("P4", "Trivial", "경미한 문제", ":white_circle:", timedelta(hours=72), timedelta(days=14),
             Broadcast.NONE),
)


class SeverityTable:
    def __init__(self, severities: tuple[Severity, ...] = DEFAULT_SEVERITIES) -> None:
        self._by_id = {s.id: s for s in severities}
        self.ordered = severities

    def get(self, severity_id: str) -> Severity | None:
        return self._by_id.get(severity_id.upper())

    def __getitem__(self, severity_id: str) -> Severity:
        return self._by_id[severity_id]

    @property
    def ids(self) -> list[str]:
        return [s.id for s in self.ordered]

    @property
    def default(self) -> Severity:
        # The middle of the scale: a declarer who does not say gets "Minor", not "Critical".
        return self.ordered[len(self.ordered) // 2]
