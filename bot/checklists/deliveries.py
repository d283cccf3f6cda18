"""What checklists owe Slack, through the outbox: the run's live message and the notes in its thread.

The live message is one coalesced delivery per run (`checklist:{run}:live`): however many changes are
owed while one is on its way, the next delivery renders the run as the database holds it then, so the
message ends showing the final state. The first delivery posts it and records its ts; later ones edit it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.checklists.render import checklist_message, checklist_text
from bot.checklists.views import load_view
from bot.i18n import Catalog
from bot.slack.deliveries import POST, Poster, post_payload
from bot.slack.outbox import NotYet, Outbox, Owed, Steps
from storage.models import ChecklistRun
from storage.repositories import checklists as repo
from storage.repositories import outbox as deliveries_repo

LIVE, NOTE = "checklist_live", "checklist_note"


def live_key(run_id: int) -> str:
    return f"checklist:{run_id}:live"


class ChecklistDeliveries:
    def __init__(self, outbox: Outbox, catalog: Catalog) -> None:
        self.outbox = outbox
        self.t = catalog
        self.poster = Poster(outbox.notifier)
        outbox.on(LIVE, self.deliver_live, on_sent=self.live_sent)
        outbox.on(NOTE, self.deliver_note)

    # --- owing (in the caller's transaction) -------------------------------------------------------------

    async def owe_live(self, session: AsyncSession, run: ChecklistRun) -> None:
        """Show the run as it is once this transaction commits (posted the first time, edited after)."""
        if run.channel_id:
            await self.outbox.owe(session, live_key(run.id), LIVE, {"run": run.id}, incident_id=run.incident_id,
                                  coalesce=True)

    async def owe_note(self, session: AsyncSession, run: ChecklistRun, name: str, text: str) -> None:
        """A message in the run's thread (completed, overdue), once per run and name."""
        if run.channel_id:
            await self.outbox.owe(session, f"checklist:{run.id}:{name}", NOTE, {"run": run.id, "text": text},
                                  incident_id=run.incident_id)

    async def owe_dm(self, session: AsyncSession, run: ChecklistRun, name: str, user: str, text: str) -> None:
        await self.outbox.owe(session, f"checklist:{run.id}:{name}:{user}", POST, post_payload(user, text),
                              incident_id=run.incident_id)

    # --- delivering -------------------------------------------------------------------------------------

    async def deliver_live(self, owed: Owed, steps: Steps) -> None:
        async with self.outbox.sessions() as session:
            view = await load_view(session, int(owed.payload["run"]))
        if view is None or not view.run.channel_id:
            return
        channel, notifier = view.run.channel_id, self.outbox.notifier
        text, blocks = checklist_text(self.t, view), checklist_message(self.t, view)
        ts = view.run.message_ts or steps.get("ts")
        if ts is None and owed.uncertain:
            ts = await notifier.find_delivered(channel, owed.key)
            if ts is not None:
                steps.note(ts=ts)
        if ts is None:
            steps.note(ts=await notifier.post(channel, text, blocks, delivery_key=owed.key))
            return
        await notifier.edit_message(channel, ts, text, blocks)

    async def live_sent(self, owed: Owed, session: AsyncSession, result: dict[str, Any]) -> None:
        if result.get("ts"):
            await repo.record_message_ts(int(owed.payload["run"]), str(result["ts"]), session=session)

    async def deliver_note(self, owed: Owed, steps: Steps) -> None:
        """Posted in the run message's thread; waits for that message while it is still on its way."""
        async with self.outbox.sessions() as session:
            run = await repo.get_run(int(owed.payload["run"]), session=session)
            if run is None or not run.channel_id:
                return
            thread = run.message_ts
            if thread is None and not steps.get("ts"):
                live = await deliveries_repo.get(live_key(run.id), session=session)
                if live is not None and live.state in (deliveries_repo.PENDING, deliveries_repo.SENDING):
                    raise NotYet
        payload = post_payload(run.channel_id, str(owed.payload["text"]), thread_ts=thread)
        await self.poster(dataclasses.replace(owed, payload=payload), steps)
