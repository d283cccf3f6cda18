"""The scheduled report's post: its text with the chart image, uploaded with Slack's external upload flow
(the chart drawn from the stored snapshot when it is delivered)."""

from __future__ import annotations

import asyncio

from bot.i18n import Catalog
from bot.reports.chart import render_chart
from bot.reports.service import CHART
from bot.slack.files import upload_in_steps
from bot.slack.outbox import Outbox, Owed, Steps
from storage.postmortems_models import ReportSnapshot


class ReportDeliveries:
    def __init__(self, outbox: Outbox, catalog: Catalog) -> None:
        self.outbox = outbox
        self.t = catalog
        outbox.on(CHART, self.deliver)

    async def deliver(self, owed: Owed, steps: Steps) -> None:
        async with self.outbox.sessions() as session:
            snapshot = await session.get(ReportSnapshot, int(owed.payload["snapshot"]))
        series = (snapshot.headline if snapshot else {}).get("series") or {"start": owed.created_at.isoformat()}
        # Drawing takes a few hundred milliseconds: off the event loop.
        png = await asyncio.to_thread(render_chart, self.t, series)
        await upload_in_steps(self.outbox.notifier, steps, filename=f"report-{owed.id}.png", content=png,
                              title=str(snapshot.name if snapshot else "report"), channel=str(owed.payload["channel"]),
                              comment=str(owed.payload["text"]))
