"""An incident's Slack side as outbox deliveries: its channel's set-up, the feed announcement, the live
summary and topic (re-rendered from the database when delivered, so ten changes during a rate limit give
one edit with the final state), announcements, invitations and the severity's checklist.

The set-up is a resumable sequence (create the channel, invite, topic, live summary): each finished step is
stored (the channel on the incident, the others in the delivery's progress), and a delivery taken again
after a crash or a 429 starts after the last stored step. A step Slack refuses for good is noted and the
others still happen; a step that may succeed later makes the whole delivery come back for it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.checklists.service import ChecklistService
from bot.errors import SlackCallFailed
from bot.i18n import Catalog
from bot.incidents.archive import ChannelArchiver, unarchive_key
from bot.incidents.keys import feed_key, live_key, setup_key, topic_key
from bot.incidents.render import feed_announcement, incident_summary, summary_text, topic_text, user_mentions
from bot.incidents.service import IncidentService
from bot.incidents.types import channel_name, is_private
from bot.logging import get_logger
from bot.policy.loader import PolicyHolder
from bot.slack.deliveries import Poster
from bot.slack.outbox import NotYet, Outbox, Owed, Steps
from bot.slack.text import incident_channel_name
from storage.models import Incident
from storage.repositories import outbox as delivery_rows

log = get_logger(__name__)

SETUP, FEED, LIVE, TOPIC = "incident.setup", "incident.feed", "incident.live", "incident.topic"
ANNOUNCE, INVITE, CHECKLIST = "incident.announce", "incident.invite", "incident.checklist"
# How many `-2`, `-3`… suffixes to try when a channel name is taken.
MAX_NAME_ATTEMPTS = 5


def failure(key: str, method: str, **params: Any) -> dict[str, Any]:
    """What to tell, and note on the timeline, when a delivery is refused: a catalog key and its params."""
    return {"failure": {"key": key, "method": method, "params": params}}


class IncidentDeliveries:
    def __init__(self, *, outbox: Outbox, service: IncidentService, checklists: ChecklistService,
                 catalog: Catalog, policy: PolicyHolder) -> None:
        self.outbox = outbox
        self.notifier = outbox.notifier
        self.service = service
        self.checklists = checklists
        self.t = catalog
        self.policy = policy
        self._post = Poster(outbox.notifier)
        outbox.on(SETUP, self._setup, on_sent=self._setup_done, on_failed=self._failed)
        outbox.on(FEED, self._feed, on_sent=self._feed_sent, on_failed=self._failed)
        outbox.on(LIVE, self._live, on_failed=self._failed)
        outbox.on(TOPIC, self._topic, on_failed=self._failed)
        outbox.on(ANNOUNCE, self._announce, on_failed=self._failed)
        outbox.on(INVITE, self._invite, on_failed=self._failed)
        outbox.on(CHECKLIST, self._checklist, on_failed=self._failed)
        # Archiving resolved channels (and unarchiving on reopen): timers and an outbox kind of its own.
        self.archiver = ChannelArchiver(outbox=outbox, timers=service.timers, sessions=service.sessions,
                                        clock=service.clock, catalog=catalog)

    # --- owing (in the caller's transaction) -------------------------------------------------------------

    async def owe_setup(self, session: AsyncSession, incident: Incident, people: list[str],
                        feed: str | None) -> list[str]:
        keys = []
        if feed:
            # The feed hears first: its post does not wait for the channel (it is updated with the link).
            keys.append(await self.outbox.owe(
                session, feed_key(incident.id), FEED,
                {"channel": feed, **failure("declare.feed_failed", "chat.postMessage", channel=feed)},
                incident_id=incident.id, kick=False))
        keys.append(await self.outbox.owe(session, setup_key(incident.id), SETUP, {"people": people},
                                          incident_id=incident.id, kick=False))
        return keys

    async def owe_refresh(self, session: AsyncSession, incident: Incident, *, topic: bool) -> list[str]:
        """The live summary (and the topic) brought up to date: coalesced, latest state wins."""
        keys = [await self.outbox.owe(session, live_key(incident.id), LIVE,
                                      failure("notice.update_failed", "chat.update"),
                                      incident_id=incident.id, coalesce=True, kick=False)]
        if topic:
            keys.append(await self.outbox.owe(session, topic_key(incident.id), TOPIC,
                                              failure("declare.topic_failed", "conversations.setTopic"),
                                              incident_id=incident.id, coalesce=True, kick=False))
        return keys

    async def owe_announcement(self, session: AsyncSession, incident: Incident, key: str, text: str, *,
                               channel: str | None = None, thread_of_feed: bool = False,
                               blocks: list[dict[str, Any]] | None = None) -> str:
        """A post in the incident channel (the feed when it has none), a given channel, or the feed's thread."""
        payload = {"text": text, "channel": channel, "thread_of_feed": thread_of_feed, "blocks": blocks,
                   **failure("notice.post_failed", "chat.postMessage", channel=channel or "")}
        return await self.outbox.owe(session, key, ANNOUNCE, payload, incident_id=incident.id, kick=False)

    async def owe_invite(self, session: AsyncSession, incident: Incident, key: str, users: list[str]) -> str:
        payload = {"users": users, **failure("declare.invite_failed", "conversations.invite",
                                             users=user_mentions(users))}
        return await self.outbox.owe(session, key, INVITE, payload, incident_id=incident.id, kick=False)

    async def owe_checklist(self, session: AsyncSession, incident: Incident, actor: str) -> str:
        return await self.outbox.owe(session, f"checklist:incident {incident.id}", CHECKLIST, {"actor": actor},
                                     incident_id=incident.id, kick=False)

    # --- delivering -----------------------------------------------------------------------------------------

    async def _incident(self, owed: Owed) -> Incident:
        assert owed.incident_id is not None
        return await self.service.get(owed.incident_id)

    async def _channel_or_wait(self, incident: Incident) -> str | None:
        """The incident channel; wait while its set-up is still owed; None when it will never exist."""
        if incident.channel_id:
            return incident.channel_id
        async with self.outbox.sessions() as session:
            setup = await delivery_rows.get(setup_key(incident.id), session=session)
        if setup is not None and setup.state in (delivery_rows.PENDING, delivery_rows.SENDING):
            raise NotYet
        return None

    async def _setup(self, owed: Owed, steps: Steps) -> None:
        incident = await self._incident(owed)
        channel_id = incident.channel_id or await self._create_channel(incident)
        people: list[str] = list(owed.payload.get("people", []))
        problems: list[list[Any]] = list(steps.get("problems") or [])
        later: SlackCallFailed | None = None

        async def step(name: str, failure_key: str, call: Any, **params: Any) -> None:
            nonlocal later
            if steps.get(name):
                return
            try:
                await call()
            except SlackCallFailed as exc:
                problems.append([failure_key, exc.code, params])
                await self.service.note_failure(incident.id, method=exc.method, code=exc.code)
                if exc.transient:
                    later = exc  # this step comes back; the others go ahead now
                    return
            steps.note(**{name: True}, problems=problems)

        await step("invited", "declare.invite_failed", lambda: self.notifier.invite(channel_id, people),
                   users=user_mentions(people))
        incident = await self._incident(owed)
        severities = self.policy.severities
        await step("topic", "declare.topic_failed",
                   lambda: self.notifier.set_topic(channel_id, topic_text(self.t, severities, incident)))
        if incident.summary_ts is None:
            async def post_summary() -> None:
                key = f"{owed.key}:summary"
                ts = await self.notifier.find_delivered(channel_id, key) if owed.uncertain else None
                if ts is None:
                    ts = await self.notifier.post(channel_id, summary_text(self.t, severities, incident),
                                                  incident_summary(self.t, severities, incident), delivery_key=key)
                await self.service.record_messages(incident.id, summary_ts=ts)

            await step("summary", "declare.summary_failed", post_summary)
        # Each step's result is written with the delivery (settled, or put back for the step that failed);
        # a crash before that repeats steps that are safe to repeat (an invite, the topic) or are looked up
        # (the summary's ts is on the incident, the channel too).
        steps.note(problems=problems)
        if later is not None:
            # The feed links to the channel now, not once the step that failed comes back.
            async with self.outbox.sessions.begin() as session:
                await self.owe_refresh(session, incident, topic=False)
            raise later

    async def _setup_done(self, owed: Owed, session: AsyncSession, _result: dict[str, Any]) -> None:
        # The feed announcement went out before the channel existed: now it can link to it.
        assert owed.incident_id is not None
        incident = await self.service.get(owed.incident_id, session=session)
        await self.owe_refresh(session, incident, topic=False)

    async def _create_channel(self, incident: Incident) -> str:
        last: SlackCallFailed | None = None
        policy = self.policy.policy  # an incident type may bring its own prefix and a private channel
        for attempt in range(MAX_NAME_ATTEMPTS):
            name = channel_name(policy, incident, incident_channel_name(incident.id, incident.title, attempt))
            try:
                channel_id = await self.notifier.create_channel(name, private=is_private(policy, incident))
            except SlackCallFailed as exc:
                last = exc
                if exc.code == "name_taken":
                    continue
                raise
            await self.service.record_channel(incident.id, channel_id=channel_id, channel_name=name)
            return channel_id
        assert last is not None
        raise last

    async def _feed(self, owed: Owed, steps: Steps) -> None:
        incident = await self._incident(owed)
        text, blocks = feed_announcement(self.t, self.policy.severities, incident)
        await self._post(replace(owed, payload={"channel": owed.payload["channel"], "text": text, "blocks": blocks}),
                         steps)

    async def _feed_sent(self, owed: Owed, session: AsyncSession, result: dict[str, Any]) -> None:
        assert owed.incident_id is not None
        await self.service.record_messages(owed.incident_id, session=session, feed_channel_id=owed.payload["channel"],
                                           feed_ts=result["ts"])

    async def _live(self, owed: Owed, _steps: Steps) -> None:
        assert owed.incident_id is not None
        details = await self.service.details(owed.incident_id)
        incident = details.incident
        text = summary_text(self.t, self.policy.severities, incident)
        places = []
        if incident.channel_id and incident.summary_ts:
            places.append((incident.channel_id, incident.summary_ts, False))
        if incident.feed_channel_id and incident.feed_ts:
            places.append((incident.feed_channel_id, incident.feed_ts, True))
        for channel_id, ts, show_channel in places:
            blocks = incident_summary(self.t, self.policy.severities, incident, roles=details.roles,
                                      last_update=details.last_update, show_channel=show_channel)
            await self.notifier.edit_message(channel_id, ts, text, blocks)

    async def _topic(self, owed: Owed, _steps: Steps) -> None:
        incident = await self._incident(owed)
        channel_id = await self._channel_or_wait(incident)
        if channel_id is not None:
            await self.notifier.set_topic(channel_id, topic_text(self.t, self.policy.severities, incident))

    async def _announce(self, owed: Owed, steps: Steps) -> None:
        incident = await self._incident(owed)
        payload = owed.payload
        thread_ts = None
        if payload.get("thread_of_feed"):
            if not incident.feed_ts:
                await self._wait_for(feed_key(incident.id))
                return
            channel, thread_ts = incident.feed_channel_id, incident.feed_ts
        else:
            channel = payload.get("channel") or await self._channel_or_wait(incident) or incident.feed_channel_id
            if incident.status == "reopened" and channel == incident.channel_id:
                await self._unarchive_first(channel, unarchive_key(incident.id))
        if channel is None:
            return  # no channel and no feed: there is nowhere to say it
        await self._post(replace(owed, payload={"channel": channel, "text": payload["text"],
                                                "blocks": payload.get("blocks"), "thread_ts": thread_ts}), steps)

    async def _unarchive_first(self, channel: str, key: str) -> None:
        """A reopened incident's archived channel comes back before anything is posted in it (the owed
        unarchive may still be waiting its turn; unarchiving twice is harmless)."""
        async with self.outbox.sessions() as session:
            row = await delivery_rows.get(key, session=session)
        if row is not None and row.state in (delivery_rows.PENDING, delivery_rows.SENDING):
            await self.notifier.archive_channel(channel, archive=False)

    async def _wait_for(self, key: str) -> None:
        async with self.outbox.sessions() as session:
            row = await delivery_rows.get(key, session=session)
        if row is not None and row.state in (delivery_rows.PENDING, delivery_rows.SENDING):
            raise NotYet

    async def _invite(self, owed: Owed, _steps: Steps) -> None:
        channel_id = await self._channel_or_wait(await self._incident(owed))
        if channel_id is not None:
            await self.notifier.invite(channel_id, list(owed.payload["users"]))

    async def _checklist(self, owed: Owed, _steps: Steps) -> None:
        incident = await self._incident(owed)
        channel_id = await self._channel_or_wait(incident)
        await self.checklists.attach_to_incident(incident, channel_id, str(owed.payload["actor"]))

    async def _failed(self, owed: Owed, session: AsyncSession, code: str) -> None:
        """Refused for good: noted on the incident's timeline (the person who asked is told by the flow)."""
        if owed.incident_id is None:
            return
        method = (owed.payload.get("failure") or {}).get("method") or owed.kind
        await self.service.note_failure(owed.incident_id, method=method, code=code, session=session)
