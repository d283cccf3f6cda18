"""Timed playbooks at run time: each phase is announced in the run's thread when its window opens; when
its window closes with items still open, the thread says so and the phase's owner is nudged by DM.

The phase's details travel in the timer's payload, so a policy reload cannot change a run under way.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.checklists.deliveries import ChecklistDeliveries
from bot.checklists.render import checklist_item_label
from bot.checklists.views import RunView, load_view
from bot.i18n import Catalog
from bot.policy.playbook import phase_text
from bot.policy.schema import ChecklistTemplate
from bot.scheduling.timers import Firing, TimerService
from bot.slack.text import Mrkdwn, date_token, escape, user_mention
from storage.models import ChecklistRun
from storage.repositories import checklists as repo
from storage.repositories import incidents as incidents_repo
from storage.repositories.checklists import OPEN

PHASE_OPEN = "checklist_phase_open"
PHASE_DUE = "checklist_phase_due"


def phase_keys(run_id: int, count: int) -> list[str]:
    return [f"checklist-phase:{run_id}:{i}:{event}" for i in range(count) for event in ("open", "due")]


class PhaseTimers:
    def __init__(self, sessions: Any, timers: TimerService, deliveries: ChecklistDeliveries,
                 catalog: Catalog) -> None:
        self.sessions = sessions
        self.timers = timers
        self.deliveries = deliveries
        self.t = catalog
        timers.on(PHASE_OPEN, self.fire_open)
        timers.on(PHASE_DUE, self.fire_due)

    async def schedule(self, session: AsyncSession, run: ChecklistRun, template: ChecklistTemplate) -> None:
        """Each phase's opening and closing, counted from the run's start, in the caller's transaction."""
        for index, phase in enumerate(template.phases):
            payload = {"run": run.id, "phase": index, "name": phase.name, "owner": phase.owner,
                       "starts": int(phase.starts.total_seconds()), "due": int(phase.due.total_seconds())}
            open_key, due_key = phase_keys(run.id, len(template.phases))[2 * index: 2 * index + 2]
            await self.timers.schedule(PHASE_OPEN, run.started_at + phase.starts, payload, dedupe_key=open_key,
                                       session=session)
            await self.timers.schedule(PHASE_DUE, run.started_at + phase.due, payload, dedupe_key=due_key,
                                       session=session)

    async def fire_open(self, firing: Firing) -> str:
        payload = firing.payload
        async with self.sessions() as session, session.begin():
            view = await load_view(session, int(payload.get("run", 0)))
            if view is None or view.run.state != OPEN:
                return "skipped_closed"
            indexes = _phase_items(view, int(payload["phase"]))
            owner = await _owner(session, view, payload.get("owner"))
            text = self.t("checklist.phase_open", title=escape(view.run.title), phase=phase_text(payload),
                          due=_due(view, payload), owner=_mention(owner), items=_labels(view, indexes))
            await self.deliveries.owe_note(session, view.run, f"phase{payload['phase']}:open", text)
        return "announced"

    async def fire_due(self, firing: Firing) -> str:
        payload = firing.payload
        async with self.sessions() as session, session.begin():
            view = await load_view(session, int(payload.get("run", 0)))
            if view is None or view.run.state != OPEN:
                return "skipped_closed"
            missing = [i for i in _phase_items(view, int(payload["phase"])) if i in set(view.missing())]
            if not missing:
                return "phase_done"
            number = int(payload["phase"])
            await repo.add_event(view.run.id, session=session, action="phase_overdue", at=firing.due_at,
                                 reason=str(payload["name"])[:500])
            text = self.t("checklist.phase_overdue", title=escape(view.run.title), phase=phase_text(payload),
                          items=_labels(view, missing))
            await self.deliveries.owe_note(session, view.run, f"phase{number}:due", text)
            owners = {await _owner(session, view, payload.get("owner"))} - {None}
            if not owners:  # no phase owner: whoever owns the open items
                owners = {await _owner(session, view, view.run.items[i].get("owner")) for i in missing} - {None}
            for owner in sorted(o for o in owners if o):
                await self.deliveries.owe_dm(session, view.run, f"phase{number}:due", owner, self.t(
                    "checklist.phase_overdue_owner", title=escape(view.run.title), phase=phase_text(payload),
                    items=_labels(view, missing)))
        return "nudged"


def _phase_items(view: RunView, phase: int) -> list[int]:
    return [i for i, item in enumerate(view.run.items) if item.get("phase") == phase]


def _labels(view: RunView, indexes: list[int]) -> Mrkdwn:
    return Mrkdwn("\n").join(checklist_item_label(view.run.items[i], i) for i in indexes)


def _due(view: RunView, payload: dict[str, Any]) -> Mrkdwn:
    return Mrkdwn(date_token(view.run.started_at + timedelta(seconds=int(payload["due"])), "{time}"))


def _mention(user: str | None) -> Mrkdwn:
    return Mrkdwn(" " + user_mention(user)) if user else Mrkdwn("")


async def _owner(session: AsyncSession, view: RunView, owner: Any) -> str | None:
    """A Slack user id, or the person holding the incident role now."""
    if not owner:
        return None
    owner = str(owner)
    if owner.startswith(("U", "W")):
        return owner
    if view.run.incident_id is None:
        return None
    for role in await incidents_repo.roles(view.run.incident_id, session=session):
        if role.role == owner:
            return role.user_id
    return None
