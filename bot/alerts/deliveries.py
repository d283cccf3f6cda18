"""The alerts' Slack side as outbox deliveries: one live message per incident in its channel, posted once
and then edited in place, rendered from the database when delivered. It is owed coalesced and no sooner
than `update_every` after the last edit, so a storm of alerts becomes one edit a second, not a post each."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.alerts.render import live_blocks, live_text
from bot.i18n import Catalog
from bot.incidents.keys import setup_key
from bot.incidents.service import IncidentService
from bot.slack.outbox import NotYet, Outbox, Owed, Steps
from storage.models import Incident
from storage.repositories import alerts as repo
from storage.repositories import outbox as delivery_rows

LIVE = "alerts.live"


def live_key(number: int) -> str:
    return f"alerts-live:incident {number}"


class AlertDeliveries:
    def __init__(self, *, outbox: Outbox, incidents: IncidentService, catalog: Catalog) -> None:
        self.outbox = outbox
        self.notifier = outbox.notifier
        self.incidents = incidents
        self.t = catalog
        # When each incident's alerts message was last edited here: a revision owed while an edit was under
        # way comes back at once, and would otherwise edit twice within the second.
        self._edited: dict[int, datetime] = {}
        self.min_interval = 1.0
        outbox.on(LIVE, self._live, on_failed=self._failed)

    async def owe_live(self, session: AsyncSession, incident: Incident, *, delay_seconds: float) -> str:
        self.min_interval = delay_seconds
        due = self.outbox.clock.now() + timedelta(seconds=delay_seconds)
        return await self.outbox.owe(session, live_key(incident.id), LIVE, {}, incident_id=incident.id,
                                     coalesce=True, not_before=due)

    async def _live(self, owed: Owed, steps: Steps) -> None:
        assert owed.incident_id is not None
        number = owed.incident_id
        async with self.outbox.sessions() as session:
            incident = await self.incidents.get(number, session=session)
            groups = await repo.groups_of_incident(number, session=session)
            counts = await repo.incident_alert_counts(number, session=session)
            alerts = await repo.incident_alerts(number, session=session)
            setup = await delivery_rows.get(setup_key(number), session=session)
        channel = incident.channel_id
        if channel is None:
            if setup is not None and setup.state in (delivery_rows.PENDING, delivery_rows.SENDING):
                raise NotYet
            channel = incident.feed_channel_id
        if channel is None or not groups:
            return  # nowhere to show it
        text, blocks = live_text(self.t, number, counts), live_blocks(self.t, number, counts, alerts)
        placed = next((g for g in groups if g.live_ts), None)
        if placed is not None and placed.live_channel and placed.live_ts:
            now = self.outbox.clock.now()
            last = self._edited.get(number)
            if last is not None and (now - last).total_seconds() < self.min_interval:
                raise NotYet  # back in a second, rendering whatever is newest then
            self._edited[number] = now
            await self.notifier.edit_message(placed.live_channel, placed.live_ts, text, blocks)
            return
        post_key = f"{live_key(number)}:post"
        ts = await self.notifier.find_delivered(channel, post_key) if owed.uncertain else None
        if ts is None:
            ts = await self.notifier.post(channel, text, blocks, delivery_key=post_key)
        # Recorded at once: the next delivery edits this message instead of posting another.
        async with self.outbox.sessions.begin() as session:
            await repo.update_group(groups[0].id, session=session, values={"live_channel": channel, "live_ts": ts})
        await steps.save(ts=ts)

    async def _failed(self, owed: Owed, session: AsyncSession, code: str) -> None:
        if owed.incident_id is not None:
            await self.incidents.note_failure(owed.incident_id, method="chat.update", code=code, session=session)
