"""Action items: a follow-up with an owner and a due time, added in the incident's channel; a reminder
the day before it is due and a DM to its owner when it is overdue (durable timers, cancelled when done).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.deps import Deps, DomainService
from bot.errors import FirebellError, NotFound, UsageError
from bot.postmortems.render import remind_at
from bot.scheduling.timers import Firing
from bot.slack.deliveries import POST, post_payload
from bot.slack.text import date_token, escape
from storage.models import Incident
from storage.postmortems_models import ActionItem
from storage.repositories import incidents as incident_rows
from storage.repositories import postmortems as repo

REMIND, OVERDUE = "action_remind", "action_overdue"
REMIND_BEFORE = timedelta(days=1)
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_SPAN = re.compile(r"^(\d{1,3})([dw])$")
# A due date names a day; the item is due at the end of it, in the policy's time zone.
END_OF_DAY = time(23, 59)


def _keys(action_id: int) -> list[str]:
    return [f"action:{action_id}:remind", f"action:{action_id}:overdue"]


class ActionService(DomainService):
    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.timers.on(REMIND, self.fire_reminder)
        self.timers.on(OVERDUE, self.fire_overdue)
        # Told, in the change's transaction, whose things changed (the App Home refreshes theirs).
        self.changed: list[Callable[[AsyncSession, set[str]], Awaitable[None]]] = []

    async def _changed(self, session: AsyncSession, people: set[str]) -> None:
        for hook in self.changed:
            await hook(session, people)

    def due_time(self, text: str) -> datetime:
        """`2026-12-01` (the end of that day), `3d`, `1w`, `tomorrow` / `내일` (the end of tomorrow)."""
        zone = self.policy.policy.zone
        now = self.clock.now()
        token = text.strip().lower()
        day: date | None = None
        if token in ("tomorrow", "내일"):
            day = now.astimezone(zone).date() + timedelta(days=1)
        elif token in ("today", "오늘"):
            day = now.astimezone(zone).date()
        elif match := _DATE.match(token):
            try:
                day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                raise UsageError("error.action_bad_due", "usage.action", value=text[:40]) from None
        elif match := _SPAN.match(token):
            days = int(match.group(1)) * (7 if match.group(2) == "w" else 1)
            day = now.astimezone(zone).date() + timedelta(days=days)
        if day is None:
            raise UsageError("error.action_bad_due", "usage.action", value=text[:40])
        due = datetime.combine(day, END_OF_DAY, zone)
        if due <= now:
            raise UsageError("error.action_due_past", "usage.action", when=date_token(due))
        return due

    async def add(self, incident: Incident, actor: str, owner: str, due_text: str, text: str) -> ActionItem:
        due = self.due_time(due_text)
        now = self.clock.now()
        async with self.sessions.begin() as session:
            item = await repo.add_action(session=session, incident_id=incident.id, owner_id=owner, text=text,
                                         due_at=due, created_by=actor, now=now)
            remind, overdue = _keys(item.id)
            if (at := remind_at(due, REMIND_BEFORE, now)) is not None:
                await self.timers.schedule(REMIND, at, {"action": item.id}, dedupe_key=remind, session=session)
            await self.timers.schedule(OVERDUE, due, {"action": item.id}, dedupe_key=overdue, session=session)
            await incident_rows.add_timeline(incident.id, session=session, at=now, actor_id=actor,
                                             kind="action_added", data={"id": item.id, "owner": owner,
                                                                        "text": text[:200]})
            if incident.channel_id:
                text_posted = self.t("action.added", id=item.id, owner=owner, due=date_token(due), text=escape(text))
                await self.outbox.owe(session, f"action:{item.id}:added", POST,
                                      post_payload(incident.channel_id, text_posted), incident_id=incident.id)
            await self._changed(session, {owner})
        return item

    async def done(self, action_id: int, actor: str) -> ActionItem:
        now = self.clock.now()
        async with self.sessions.begin() as session:
            item = await repo.get_action(action_id, session=session)
            if item is None:
                raise NotFound("error.action_not_found", id=action_id)
            if item.status == repo.DONE:
                raise FirebellError("action.already_done", id=action_id)
            incident = await incident_rows.get_incident(item.incident_id, session=session)
            allowed = {item.owner_id, item.created_by, incident.commander_id if incident else None}
            if actor not in allowed:
                raise FirebellError("error.action_not_owner", id=action_id, owner=item.owner_id)
            await repo.close_action(action_id, session=session, by=actor, at=now)
            await self.timers.cancel_keys(_keys(action_id), session=session)
            await incident_rows.add_timeline(item.incident_id, session=session, at=now, actor_id=actor,
                                             kind="action_done", data={"id": action_id})
            await self._changed(session, {item.owner_id})
            await session.refresh(item)
        return item

    async def list(self, which: str, actor: str) -> Sequence[ActionItem]:
        async with self.sessions() as session:
            if which == "mine":
                return await repo.find_actions(session=session, owner_id=actor)
            if which == "overdue":
                return await repo.find_actions(session=session, due_before=self.clock.now())
            return await repo.find_actions(session=session)

    async def _open(self, firing: Firing) -> ActionItem | None:
        async with self.sessions() as session:
            item = await repo.get_action(int(firing.payload.get("action", 0)), session=session)
        return item if item is not None and item.status == repo.OPEN else None

    async def _dm(self, firing: Firing, key: str) -> str:
        item = await self._open(firing)
        if item is None:
            return "skipped_done"
        text = self.t(key, id=item.id, number=item.incident_id, due=date_token(item.due_at), text=escape(item.text))
        async with self.sessions.begin() as session:
            await self.outbox.owe(session, f"job:{firing.id}:dm", POST, post_payload(item.owner_id, text),
                                  incident_id=item.incident_id)
        return "owed"

    async def fire_reminder(self, firing: Firing) -> str:
        return await self._dm(firing, "action.reminder")

    async def fire_overdue(self, firing: Firing) -> str:
        return await self._dm(firing, "action.overdue")


