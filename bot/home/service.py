"""The App Home: gathered from the database for one viewer, published when they open it, and refreshed
through the outbox (one coalesced `home:<user>` delivery, rendered when delivered, so a burst of changes
gives one views.publish with the final state) when something they own changes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.checklists.views import load_views
from bot.deps import Deps, DomainService
from bot.home.render import HomeFacts, home_view
from bot.incidents.lifecycle import OPEN_STATUSES
from bot.incidents.types import is_private, visible_to
from bot.oncall.service import OnCallService
from bot.slack.outbox import Owed, Steps
from storage.models import Incident
from storage.repositories import checklists as checklist_rows
from storage.repositories import incident_types as types_repo
from storage.repositories import incidents as incident_rows
from storage.repositories import postmortems as repo
from storage.repositories import reports as report_rows

REFRESH = "apphome.refresh"
ROLES = ("commander", "comms", "scribe", "responder")


def refresh_key(user_id: str) -> str:
    return f"home:{user_id}"


class HomeService(DomainService):
    def __init__(self, deps: Deps, *, oncall: OnCallService) -> None:
        super().__init__(deps)
        self.oncall = oncall
        self.outbox.on(REFRESH, self.deliver_refresh)

    async def facts(self, user_id: str) -> HomeFacts:
        now = self.clock.now()
        oncall = await self.oncall.who_is_on()
        async with self.sessions() as session:
            incidents = list(await incident_rows.list_incidents(session=session, statuses=[s.value for s in
                                                                                            OPEN_STATUSES], limit=40))
            incidents = await self._visible(session, incidents, user_id)
            actions = list(await repo.find_actions(session=session, owner_id=user_id, limit=20))
            checklist = await self._checklist_items(session, user_id)
            pages = list(await repo.pages_to(user_id, session=session, since=now - timedelta(hours=24)))
            report = await report_rows.latest_snapshot(session=session)
        return HomeFacts(incidents=incidents, oncall=oncall, actions=actions, checklist=checklist, pages=pages,
                         report=report)

    async def _visible(self, session: AsyncSession, incidents: list[Incident], viewer: str) -> list[Incident]:
        """Private incidents (a security type) only for the people in them, as in `/incident list`."""
        policy = self.policy.policy
        private = [i.id for i in incidents if is_private(policy, i)]
        if not private:
            return incidents
        members = await types_repo.people_in(private, session=session)
        return [i for i in incidents if visible_to(policy, i, viewer, members.get(i.id, set()))]

    async def _checklist_items(self, session: AsyncSession, user_id: str) -> list[tuple[str, str]]:
        """Open items of open runs that are this person's: by their id, or by a role they hold."""
        views = await load_views(session, await checklist_rows.open_runs(session=session, limit=30))
        incident_ids = [v.run.incident_id for v in views if v.run.incident_id is not None]
        held = await repo.roles_held(user_id, incident_ids, session=session)
        mine: list[tuple[str, str]] = []
        for view in views:
            for index in view.missing():
                item: dict[str, Any] = view.run.items[index] if index < len(view.run.items) else {}
                owner = item.get("owner")
                if owner == user_id or (owner in ROLES and (view.run.incident_id, owner) in held):
                    mine.append((view.run.title, str(item.get("text", ""))))
        return mine

    async def view(self, user_id: str) -> dict[str, Any]:
        return home_view(self.t, self.policy.severities, await self.facts(user_id))

    async def owe_refresh(self, session: AsyncSession, user_ids: set[str]) -> None:
        """In the caller's transaction: these people's Home tabs are brought up to date (coalesced)."""
        for user_id in sorted(u for u in user_ids if u and u[:1] in "UW"):
            await self.outbox.owe(session, refresh_key(user_id), REFRESH, {"user": user_id}, coalesce=True)

    async def on_resolved(self, session: AsyncSession, incident: Incident, _actor: str) -> list[str]:
        """An incident resolve hook: its commander's Home no longer lists it (delivered in the background)."""
        await self.owe_refresh(session, {incident.commander_id or "", incident.declared_by})
        return []

    async def deliver_refresh(self, owed: Owed, _steps: Steps) -> None:
        user_id = str(owed.payload["user"])
        await self.outbox.notifier.publish_home(user_id, await self.view(user_id))
