"""The post-mortem's upload as an outbox delivery: rendered from the database when it is delivered, sent
with the three steps of Slack's external upload, each stored so a retry resumes after the last one.
A file has no message metadata to look for, so an upload whose last step's answer was lost may be shared
twice; the revision in the file name tells the copies apart.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import SlackCallFailed
from bot.i18n import Catalog
from bot.incidents.keys import setup_key
from bot.postmortems.render import file_name
from bot.postmortems.service import UPLOAD, PostmortemService, load_facts
from bot.slack.files import upload_in_steps
from bot.slack.outbox import NotYet, Outbox, Owed, Steps
from bot.slack.text import date_token
from storage.repositories import outbox as delivery_rows
from storage.repositories.incidents import add_timeline


class PostmortemDeliveries:
    def __init__(self, outbox: Outbox, service: PostmortemService, catalog: Catalog) -> None:
        self.outbox = outbox
        self.service = service
        self.t = catalog
        outbox.on(UPLOAD, self.deliver, on_sent=self.sent, on_failed=self.failed)

    async def deliver(self, owed: Owed, steps: Steps) -> None:
        number, revision = int(owed.payload["number"]), int(owed.payload["revision"])
        async with self.outbox.sessions() as session:
            facts = await load_facts(number, session=session)
            channel = facts.incident.channel_id or facts.incident.feed_channel_id
            if channel is None:
                setup = await delivery_rows.get(setup_key(number), session=session)
                if setup is not None and setup.state in (delivery_rows.PENDING, delivery_rows.SENDING):
                    raise NotYet()
                raise SlackCallFailed("files.completeUploadExternal", "channel_not_found")
        document = self.service.render(facts)
        due = facts.postmortem.due_at if facts.postmortem else facts.incident.declared_at
        comment = self.t("postmortem.file_comment", number=number, revision=revision, due=date_token(due))
        await upload_in_steps(self.outbox.notifier, steps, filename=file_name(number, revision),
                              content=document.encode(), title=self.t.plain("pm.title", number=number,
                                                                              title=facts.incident.title),
                              channel=channel, comment=comment)

    async def sent(self, owed: Owed, session: AsyncSession, result: dict[str, Any]) -> None:
        if result.get("file_id"):
            await self.service.record_file(int(owed.payload["number"]), str(result["file_id"]), session=session)

    async def failed(self, owed: Owed, session: AsyncSession, code: str) -> None:
        await add_timeline(int(owed.payload["number"]), session=session, at=self.outbox.clock.now(), actor_id=None,
                           kind="slack_failure", data={"method": "files.completeUploadExternal", "code": code})
