"""The severity model. Its values come from the policy file (bot/policy/shipped/default.yml)."""

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
    description_en: str = ""
    description_ko: str = ""

    def name(self, locale: str) -> str:
        return self.name_ko if locale == "ko" else self.name_en

    def description(self, locale: str) -> str:
        return self.description_ko if locale == "ko" else self.description_en


class SeverityTable:
    def __init__(self, severities: tuple[Severity, ...], default_id: str | None = None) -> None:
        self._by_id = {s.id: s for s in severities}
        self.ordered = severities
        self._default_id = default_id

    def get(self, severity_id: str) -> Severity | None:
        return self._by_id.get(severity_id.upper())

    def __getitem__(self, severity_id: str) -> Severity:
        return self._by_id[severity_id]

    @property
    def ids(self) -> list[str]:
        return [s.id for s in self.ordered]

    @property
    def default(self) -> Severity:
        if self._default_id:
            return self._by_id[self._default_id]
        # The middle of the scale: a declarer who does not say gets "Minor", not "Critical".
        return self.ordered[len(self.ordered) // 2]
