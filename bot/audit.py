"""The audit log: every state change, permission denial, policy load and override, with its actor, time and
before/after. Entries are written in the transaction of the change they describe (`record`), so a change
and its entry commit together or not at all; a permission denial changes nothing and is its own unit
(`AuditLog.denied`). The application only ever inserts (the migration's triggers refuse the rest).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.logging import get_logger
from bot.runtime import REPLICA
from storage.audit_models import AuditEntry
from storage.repositories import audit as rows

log = get_logger(__name__)


async def record(session: AsyncSession, *, at: datetime, actor: str | None, action: str,
                 incident_id: int | None = None, subject: str | None = None, before: dict[str, Any] | None = None,
                 after: dict[str, Any] | None = None) -> None:
    """Add an entry in the caller's transaction."""
    await rows.add(session=session, at=at, actor=actor, action=action, incident_id=incident_id, subject=subject,
                   before=before, after=after, replica=REPLICA)


class AuditLog:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    async def denied(self, permission: str, user_id: str) -> None:
        """A refused action: recorded on its own (there is no change to share a transaction with)."""
        try:
            async with self.sessions.begin() as session:
                await record(session, at=self.clock.now(), actor=user_id, action="permission.denied",
                             subject=permission)
        except Exception as error:
            # The person is still refused; the log line keeps the denial when the database cannot.
            log.warning("audit_write_failed", action="permission.denied", error=type(error).__name__)

    async def entries(self, *, since: datetime | None = None, incident_id: int | None = None,
                      actors: Sequence[str] = (), limit: int = 1000) -> Sequence[AuditEntry]:
        async with self.sessions() as session:
            return await rows.entries(session=session, since=since, incident_id=incident_id, actors=actors,
                                      limit=limit)


# --- `firebell audit` output ------------------------------------------------------------------------------

_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str) -> timedelta:
    """`7d`, `12h`, `30m`, `2w`."""
    text = text.strip().lower()
    if len(text) < 2 or text[-1] not in _UNITS or not text[:-1].isdigit():
        raise ValueError(f"{text!r} is not a duration like 30m, 12h, 7d or 2w")
    return timedelta(**{_UNITS[text[-1]]: int(text[:-1])})


@dataclass(frozen=True)
class Row:
    at: str
    actor: str
    action: str
    incident: str
    subject: str
    change: str


def _change(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    if before and after and set(before) == set(after):
        return ", ".join(f"{key}: {before[key]} → {after[key]}" for key in before)
    parts = []
    if before:
        parts.append("before " + json.dumps(before, ensure_ascii=False, sort_keys=True))
    if after:
        parts.append("after " + json.dumps(after, ensure_ascii=False, sort_keys=True))
    return "; ".join(parts)


def as_json(entries: Sequence[AuditEntry]) -> str:
    return "\n".join(json.dumps({
        "id": e.id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action, "incident": e.incident_id,
        "subject": e.subject, "before": e.before, "after": e.after, "replica": e.replica,
    }, ensure_ascii=False) for e in entries)


def as_table(entries: Sequence[AuditEntry]) -> str:
    rows_ = [Row(e.at.strftime("%Y-%m-%d %H:%M:%S"), e.actor or "-", e.action,
                 f"#{e.incident_id}" if e.incident_id is not None else "-", e.subject or "-",
                 _change(e.before, e.after) or "-") for e in entries]
    header = Row("time (UTC)", "actor", "action", "incident", "subject", "change")
    widths = [max(len(getattr(r, name)) for r in [header, *rows_]) for name in Row.__dataclass_fields__]
    lines = []
    for r in [header, *rows_]:
        cells = [getattr(r, name) for name in Row.__dataclass_fields__]
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    return "\n".join(lines)
