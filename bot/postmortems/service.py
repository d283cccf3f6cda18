"""Post-mortems: drafted at resolution from what Firebell recorded, regenerated on request, reviewed and
published with a link; the due time is a pair of durable timers (a reminder to the commander before it,
the manager tier when it has passed).

The document is rendered when its upload is delivered (bot/postmortems/deliveries.py), from the database
as it is then, so a regenerated draft shows the action items added since.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from bot.deps import Deps, DomainService
from bot.errors import FirebellError, NotFound, UsageError
from bot.incidents.lifecycle import Status
from bot.postmortems.render import PostmortemFacts, postmortem_markdown
from bot.scheduling.timers import Firing
from bot.slack.deliveries import POST, post_payload
from bot.slack.text import date_token, escape, group_mention, slack_target
from storage.models import Incident
from storage.postmortems_models import Postmortem
from storage.repositories import incidents as incident_rows
from storage.repositories import postmortems as repo

REMIND, OVERDUE = "postmortem_remind", "postmortem_overdue"
UPLOAD = "postmortem.file"


def upload_key(number: int, revision: int) -> str:
    return f"postmortem:incident {number}:r{revision}"


def _timer_keys(number: int) -> list[str]:
    return [f"postmortem:{number}:remind", f"postmortem:{number}:overdue"]


def valid_link(text: str) -> str | None:
    """The address in `<https://…|label>` or `https://…`; None when it is not an http(s) link."""
    link = text.strip().removeprefix("<").removesuffix(">").split("|", 1)[0]
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in link:
        return None
    return link[:500]


async def load_facts(number: int, *, session: AsyncSession) -> PostmortemFacts:
    incident = await incident_rows.get_incident(number, session=session)
    if incident is None:
        raise NotFound("error.incident_not_found", number=number)
    return PostmortemFacts(
        incident=incident,
        postmortem=await repo.get_postmortem(number, session=session),
        roles=await incident_rows.roles(number, session=session),
        timeline=await incident_rows.timeline(number, session=session, limit=1000),
        pages=await repo.pages_of(number, session=session),
        actions=await repo.actions_of_incident(number, session=session),
    )


class PostmortemService(DomainService):
    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.timers.on(REMIND, self.fire_reminder)
        self.timers.on(OVERDUE, self.fire_overdue)

    # --- drafting ------------------------------------------------------------------------------------

    async def owe_draft(self, session: AsyncSession, incident: Incident, actor: str) -> list[str]:
        """At resolution, in its transaction: the post-mortem row, its due timers and its upload."""
        now = self.clock.now()
        policy = self.policy.policy.postmortems
        due = (incident.resolved_at or now) + policy.due_for(incident.severity)
        if await repo.add_postmortem(incident.id, session=session, due_at=due, now=now):
            revision = 1
            remind_at = due - policy.remind_before
            remind, overdue = _timer_keys(incident.id)
            if remind_at > now:
                await self.timers.schedule(REMIND, remind_at, {"number": incident.id}, incident_id=incident.id,
                                           dedupe_key=remind, session=session)
            await self.timers.schedule(OVERDUE, due, {"number": incident.id}, incident_id=incident.id,
                                       dedupe_key=overdue, session=session)
        else:  # resolved again after a reopen: a fresh draft, the same due time
            revision = await repo.next_revision(incident.id, session=session, now=now)
        return [await self._owe_upload(session, incident.id, revision, actor)]

    async def _owe_upload(self, session: AsyncSession, number: int, revision: int, actor: str) -> str:
        await incident_rows.add_timeline(number, session=session, at=self.clock.now(), actor_id=actor,
                                         kind="postmortem_drafted", data={"revision": revision})
        return await self.outbox.owe(session, upload_key(number, revision), UPLOAD,
                                     {"number": number, "revision": revision}, incident_id=number, kick=False)

    async def regenerate(self, number: int, actor: str) -> tuple[Incident, int, str]:
        """`/incident postmortem`: draft the document again from the timeline. Returns the revision and
        the delivery key to deliver now."""
        async with self.sessions.begin() as session:
            incident = await self._resolved(number, session)
            if await repo.get_postmortem(number, session=session) is None:
                keys = await self.owe_draft(session, incident, actor)
                return incident, 1, keys[0]
            revision = await repo.next_revision(number, session=session, now=self.clock.now())
            key = await self._owe_upload(session, number, revision, actor)
        return incident, revision, key

    async def _resolved(self, number: int, session: AsyncSession) -> Incident:
        incident = await incident_rows.get_incident(number, session=session)
        if incident is None:
            raise NotFound("error.incident_not_found", number=number)
        if incident.status != Status.RESOLVED.value:
            raise FirebellError("error.postmortem_not_resolved", number=number)
        return incident

    async def set_status(self, number: int, actor: str, status: str, link_text: str | None = None) -> Postmortem:
        """`review` or `done <url>` (published: its reminders stop)."""
        link = None
        if status == repo.PUBLISHED:
            if not link_text:
                raise UsageError("error.postmortem_missing_url", "usage.postmortem")
            link = valid_link(link_text)
            if link is None:
                raise UsageError("error.postmortem_bad_url", "usage.postmortem", value=link_text[:80])
        now = self.clock.now()
        async with self.sessions.begin() as session:
            incident = await self._resolved(number, session)
            if await repo.get_postmortem(number, session=session) is None:
                await self.owe_draft(session, incident, actor)
            values: dict[str, object] = {"status": status, "updated_at": now}
            if link is not None:
                values |= {"link": link, "published_at": now, "published_by": actor}
                await self.timers.cancel_keys(_timer_keys(number), session=session)
                await incident_rows.add_timeline(number, session=session, at=now, actor_id=actor,
                                                 kind="postmortem_published", data={"link": link})
            else:
                await incident_rows.add_timeline(number, session=session, at=now, actor_id=actor,
                                                 kind="postmortem_status", data={"status": status})
            await repo.update_postmortem(number, session=session, values=values)
            row = await repo.get_postmortem(number, session=session)
            assert row is not None
            await session.refresh(row)
        return row

    async def document(self, number: int) -> str:
        async with self.sessions() as session:
            facts = await load_facts(number, session=session)
        return self.render(facts)

    def render(self, facts: PostmortemFacts) -> str:
        policy = self.policy.policy
        return postmortem_markdown(self.t, self.policy.severities, policy.postmortems, policy.zone, facts)

    async def record_file(self, number: int, file_id: str, *, session: AsyncSession) -> None:
        await repo.update_postmortem(number, session=session, values={"file_id": file_id})

    # --- the due time ----------------------------------------------------------------------------------

    async def _pending(self, firing: Firing, session: AsyncSession) -> tuple[Incident, Postmortem] | None:
        number = int(firing.payload.get("number", 0))
        incident = await incident_rows.get_incident(number, session=session)
        postmortem = await repo.get_postmortem(number, session=session)
        if incident is None or postmortem is None or postmortem.status == repo.PUBLISHED:
            return None
        return incident, postmortem

    async def fire_reminder(self, firing: Firing) -> str:
        async with self.sessions.begin() as session:
            found = await self._pending(firing, session)
            if found is None:
                return "skipped_published"
            incident, postmortem = found
            person = incident.commander_id or incident.declared_by
            text = self.t("postmortem.reminder", number=incident.id, title=escape(incident.title),
                          due=date_token(postmortem.due_at))
            await self.outbox.owe(session, f"job:{firing.id}:dm", POST, post_payload(person, text),
                                  incident_id=incident.id)
        return "owed"

    async def fire_overdue(self, firing: Firing) -> str:
        """The manager tier is told: its people by DM, its channels by a post, its groups by a mention in
        the incident's channel."""
        tier = self.policy.policy.manager_tier
        async with self.sessions.begin() as session:
            found = await self._pending(firing, session)
            if found is None:
                return "skipped_published"
            incident, postmortem = found
            commander = incident.commander_id or incident.declared_by
            text = self.t("postmortem.overdue", number=incident.id, title=escape(incident.title),
                          due=date_token(postmortem.due_at), commander=slack_target(commander))
            targets = list(tier.users) + list(tier.channels) if tier else []
            if not targets and not (tier and tier.usergroups):
                targets = [commander]  # nobody above: the commander hears it
            for target in targets:
                await self.outbox.owe(session, f"job:{firing.id}:{target}", POST, post_payload(target, text),
                                      incident_id=incident.id)
            if tier and tier.usergroups and incident.channel_id:
                groups = " ".join(group_mention(g) for g in tier.usergroups)
                await self.outbox.owe(session, f"job:{firing.id}:groups", POST,
                                      post_payload(incident.channel_id, f"{groups} {text}"), incident_id=incident.id)
        return "owed"

