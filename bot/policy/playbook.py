"""Timed playbooks: a checklist in phases, each with its own window from the moment the run starts
(seed 003's P0 playbook: 감지 및 초기 대응 0-5분, 진단 및 완화 5-15분, 복구 및 검증 15-60분).

Each phase is announced in the run's thread when it opens, and when its window closes with items still
open, the thread is told and the phase's owner (a Slack user or an incident role) is nudged.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from bot.policy.fields import USER_ID, parse_duration

ROLES = ("commander", "comms", "scribe", "responder")

_ZERO = re.compile(r"^\s*0\s*[smhdw]?\s*$")


def parse_offset(value: Any) -> timedelta:
    """A duration that may be zero (`0m`): a moment counted from a start, such as a declaration."""
    if value == 0 or (isinstance(value, str) and _ZERO.match(value)):
        return timedelta(0)
    return parse_duration(value)


Offset = Annotated[timedelta, BeforeValidator(parse_offset)]


def check_owner(value: str | None) -> str | None:
    if value is None or USER_ID.match(value) or value in ROLES:
        return value
    raise ValueError(f"expected a Slack user id (U…) or one of {', '.join(ROLES)}, got {value!r}")


class Phase(BaseModel):
    """One section of a timed playbook: its items are due `due` after the run starts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=120)
    starts: Offset = timedelta(0)
    due: Offset
    owner: Annotated[str | None, BeforeValidator(check_owner)] = None
    # ChecklistItem, typed loosely here to avoid an import cycle; schema.ChecklistTemplate validates them.
    items: list[Any] = Field(min_length=1)

    @model_validator(mode="after")
    def _window(self) -> Phase:
        if self.due <= self.starts:
            raise ValueError(f"phase {self.name!r}: due must come after starts")
        return self


def phase_text(phase: dict[str, Any]) -> str:
    """`name (5–15 min)` for announcements, from the phase as stored on a run."""
    return f"{phase['name']} ({_minutes(phase['starts'])}–{_minutes(phase['due'])})"


def _minutes(seconds: int) -> str:
    hours, minutes = divmod(int(seconds) // 60, 60)
    if not hours:
        return f"{minutes}m"
    return f"{hours}h{minutes}m" if minutes else f"{hours}h"
