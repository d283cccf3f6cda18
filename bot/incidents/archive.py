"""A resolved incident's channel is archived after the policy's `channels.archive_after` (default 7 days),
with a notice in it a day before; reopening the incident unarchives it.

Both are durable timers scheduled in the resolution's transaction; the Slack calls are outbox deliveries,
so the unarchive owed by a reopen goes out before the reopen's announcement in the channel (one lane per
incident, in the order owed).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Catalog
from bot.scheduling.timers import Firing, TimerService
from bot.slack.deliveries import POST, post_payload
from bot.slack.outbox import Outbox, Owed, Steps
from bot.slack.text import date_token
from storage.models import Incident
from storage.repositories import incident_types as types_repo
from storage.repositories import incidents as repo

ARCHIVE_NOTICE, ARCHIVE = "channel_archive_notice", "channel_archive"
ARCHIVE_KINDS = (ARCHIVE_NOTICE, ARCHIVE)
ARCHIVE_CALL = "incident.archive"  # the outbox kind: conversations.archive or unarchive
NOTICE_AHEAD = timedelta(days=1)


def unarchive_key(incident_id: int) -> str:
    """One per incident, owed again at each reopening: what the reopen's posts wait for."""
    return f"incident:{incident_id}:unarchive"


async def schedule_archive(timers: TimerService, session: AsyncSession, incident: Incident, *,
                           after: timedelta | None, now: datetime) -> None:
    """At resolution: the notice a day ahead and the archive itself, keyed by the incident's version."""
    if after is None:
        return
    key = f"incident:{incident.id}:archive:{incident.version}"
    if after > NOTICE_AHEAD:
        await timers.schedule(ARCHIVE_NOTICE, now + after - NOTICE_AHEAD, {}, incident_id=incident.id,
                              dedupe_key=f"{key}:notice", session=session)
    await timers.schedule(ARCHIVE, now + after, {}, incident_id=incident.id, dedupe_key=key, session=session)


async def unarchive_on_reopen(timers: TimerService, outbox: Outbox, session: AsyncSession,
                              incident: Incident) -> None:
    """At reopening: no archive to come, and the channel back if it was archived."""
    await timers.cancel(incident.id, ARCHIVE_KINDS, session=session)
    if incident.channel_id and await types_repo.channel_archived(incident.id, session=session):
        await outbox.owe(session, unarchive_key(incident.id), ARCHIVE_CALL,
                         {"channel": incident.channel_id, "archive": False}, incident_id=incident.id, coalesce=True)


class ChannelArchiver:
    def __init__(self, *, outbox: Outbox, timers: TimerService, sessions: Any, clock: Any,
                 catalog: Catalog) -> None:
        self.outbox, self.timers, self.sessions, self.clock, self.t = outbox, timers, sessions, clock, catalog
        timers.on(ARCHIVE_NOTICE, self.fire_notice)
        timers.on(ARCHIVE, self.fire_archive)
        outbox.on(ARCHIVE_CALL, self.deliver, on_sent=self.sent)

    async def _resolved(self, firing: Firing, session: AsyncSession) -> Incident | None:
        incident = await repo.get_incident(firing.incident_id or 0, session=session)
        if incident is None or incident.status != "resolved" or not incident.channel_id:
            return None
        return incident

    async def fire_notice(self, firing: Firing) -> str:
        async with self.sessions.begin() as session:
            incident = await self._resolved(firing, session)
            if incident is None or incident.channel_id is None:
                return "skipped_not_resolved"
            text = self.t("archive.notice", number=incident.id, when=date_token(firing.due_at + NOTICE_AHEAD))
            await self.outbox.owe(session, f"job:{firing.id}:post", POST, post_payload(incident.channel_id, text),
                                  incident_id=incident.id)
        return "noticed"

    async def fire_archive(self, firing: Firing) -> str:
        async with self.sessions.begin() as session:
            incident = await self._resolved(firing, session)
            if incident is None or incident.channel_id is None:
                return "skipped_not_resolved"
            await self.outbox.owe(session, f"job:{firing.id}:archive", ARCHIVE_CALL,
                                  {"channel": incident.channel_id, "archive": True}, incident_id=incident.id)
        return "archived"

    async def deliver(self, owed: Owed, _steps: Steps) -> None:
        await self.outbox.notifier.archive_channel(str(owed.payload["channel"]),
                                                   archive=bool(owed.payload.get("archive", True)))

    async def sent(self, owed: Owed, session: AsyncSession, _result: dict[str, Any]) -> None:
        if owed.incident_id is not None:
            kind = "channel_archived" if owed.payload.get("archive", True) else "channel_unarchived"
            await repo.add_timeline(owed.incident_id, session=session, at=self.clock.now(), actor_id=None,
                                    kind=kind, data={"channel": owed.payload["channel"]})
