"""What the outbox hands a delivery kind and says back: the claimed delivery, its kind's hooks, the outcome."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories import outbox as rows

if TYPE_CHECKING:
    from bot.slack.outbox import Steps


class NotYet(Exception):
    """The delivery depends on one not done yet (an announcement before its channel exists)."""


@dataclass(frozen=True)
class Outcome:
    state: str  # pending (to be retried), sending, sent, failed
    error: str | None
    progress: dict[str, Any] = field(default_factory=dict)

    @property
    def sent(self) -> bool:
        return self.state == rows.SENT


@dataclass(frozen=True)
class Owed:
    """A claimed delivery as its handler sees it."""

    id: int
    key: str
    kind: str
    incident_id: int | None
    payload: dict[str, Any]
    progress: dict[str, Any]
    attempts: int
    revision: int
    created_at: datetime
    # An earlier attempt may have reached Slack (its sender died, or the network failed mid-call).
    uncertain: bool


Deliver = Callable[[Owed, "Steps"], Awaitable[None]]
# Run inside the transaction that settles the delivery: with what its steps produced (a message ts), or
# with the Slack error that refused it for good.
Sent = Callable[[Owed, AsyncSession, dict[str, Any]], Awaitable[None]]
Failed = Callable[[Owed, AsyncSession, str], Awaitable[None]]


@dataclass
class Kind:
    deliver: Deliver
    on_sent: Sent | None = None
    on_failed: Failed | None = None
