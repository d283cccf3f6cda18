"""Checklists: runs of a template, item by item, with who did what; scheduled through durable timers.

Each operation (a request or a timer firing) works in one session. What it owes Slack (the run's live
message, notes in its thread, DMs to owners) is owed through the outbox in the transaction that changes
the run; the outbox delivers it after the commit and retries until Slack takes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.checklists.deliveries import ChecklistDeliveries
from bot.checklists.phases import PhaseTimers
from bot.checklists.render import completed_text, open_run_lines, overdue_owner_text, overdue_text
from bot.checklists.views import RunView, load_view, load_views
from bot.deps import Deps, DomainService
from bot.errors import FirebellError, NotFound
from bot.incidents.types import checklist_for, targets
from bot.logging import get_logger
from bot.policy.calendar import next_business_fire
from bot.policy.schema import ChecklistTemplate
from bot.scheduling.timers import Firing
from bot.slack.text import escape
from storage.models import ChecklistEvent, ChecklistRun, Incident
from storage.repositories import checklists as repo
from storage.repositories import incidents as incidents_repo
from storage.repositories.checklists import DONE, NA, OPEN

__all__ = ["CHECKLIST_DUE", "CHECKLIST_RUN", "DONE", "NA", "OPEN", "ChecklistService", "Overview", "RunView",
           "TemplateEntry"]

log = get_logger(__name__)

CHECKLIST_RUN = "checklist_run"
CHECKLIST_DUE = "checklist_due"
# The event recorded when an item changes to each state.
_ITEM_ACTIONS = {DONE: "done", OPEN: "undone", NA: "na"}


@dataclass(frozen=True)
class TemplateEntry:
    name: str
    template: ChecklistTemplate
    zone: str | None  # the time zone its schedule is read in; None when it has no schedule
    channel: str | None  # where its scheduled runs are posted


@dataclass(frozen=True)
class Overview:
    templates: list[TemplateEntry]
    today: list[RunView]  # runs started since midnight in the policy's time zone


class ChecklistService(DomainService):
    # Where scheduled runs go when neither the schedule nor channels.ops names a channel: the feed, so the
    # shipped policy works before channels.ops is set (set by bot/app.py).
    fallback_channel: str | None = None

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.deliveries = ChecklistDeliveries(self.outbox, self.t)
        self.phases = PhaseTimers(self.sessions, self.timers, self.deliveries, self.t)
        self.timers.on(CHECKLIST_RUN, self.fire_scheduled_run)
        self.timers.on(CHECKLIST_DUE, self.fire_due)

    def channel_for(self, template: ChecklistTemplate) -> str | None:
        if template.schedule is None:
            return None
        return template.schedule.channel or self.policy.policy.channels.ops or self.fallback_channel

    def template(self, name: str) -> ChecklistTemplate:
        templates = self.policy.policy.checklists
        if name not in templates:
            known = ", ".join(sorted(templates)) or "—"
            raise NotFound("error.unknown_checklist", name=escape(name[:40]), known=known)
        return templates[name]

    # --- runs ---------------------------------------------------------------------------------------

    async def start(
        self,
        name: str,
        *,
        actor: str | None,
        channel_id: str | None,
        incident_id: int | None = None,
        due_at: datetime | None = None,
        occurrence_key: str | None = None,
    ) -> RunView | None:
        """Create a run and owe its message. None when this occurrence already has its run."""
        async with self.sessions() as session:
            return await self._start(session, name, actor=actor, channel_id=channel_id, incident_id=incident_id,
                                     due_at=due_at, occurrence_key=occurrence_key)

    async def start_now(self, name: str, *, actor: str, command_channel: str | None) -> RunView:
        """A run started by hand: in the template's channel (else where it was asked for), due as the
        template's schedule says when it has one."""
        template = self.template(name)
        due = self.clock.now() + template.schedule.due_after if template.schedule else None
        view = await self.start(name, actor=actor, channel_id=self.channel_for(template) or command_channel,
                                due_at=due)
        assert view is not None  # only a run with an occurrence key can exist already
        return view

    async def _start(
        self,
        session: AsyncSession,
        name: str,
        *,
        actor: str | None,
        channel_id: str | None,
        incident_id: int | None,
        due_at: datetime | None,
        occurrence_key: str | None,
    ) -> RunView | None:
        template = self.template(name)
        now = self.clock.now()
        try:
            async with session.begin():
                # Role owners (commander…) become the person holding the role in the incident.
                holders = await self._role_holders(session, incident_id)
                items = [{"text": item.text, "required": item.required,
                          "owner": holders.get(item.owner, item.owner) if item.owner else None}
                         | ({"phase": phase} if phase is not None else {})
                         for item, phase in template.all_items()]
                run = await repo.add_run(session=session, template=name, title=template.title, items=items,
                                         channel_id=channel_id, incident_id=incident_id, started_by=actor,
                                         started_at=now, due_at=due_at, occurrence_key=occurrence_key)
                await repo.add_event(run.id, session=session, action="started", by=actor, at=now)
                if due_at is not None:
                    await self.timers.schedule(CHECKLIST_DUE, due_at, {"run": run.id},
                                               dedupe_key=_due_key(run.id), session=session)
                await self.deliveries.owe_live(session, run)
                await self.phases.schedule(session, run, template)
                view = await self._view(session, run.id)
        except IntegrityError:
            if occurrence_key is None:
                raise
            return None
        return view

    async def view(self, run_id: int) -> RunView:
        async with self.sessions() as session:
            return await self._view(session, run_id)

    async def open_view(self, run_id: int) -> RunView:
        """The run, which must still be open (to be changed)."""
        view = await self.view(run_id)
        _require_open(view.run)
        return view

    async def _view(self, session: AsyncSession, run_id: int) -> RunView:
        view = await load_view(session, run_id)
        if view is None:
            raise NotFound("error.run_not_found", id=run_id)
        return view

    async def set_item(self, run_id: int, index: int, state: str, actor: str, reason: str | None = None) -> RunView:
        """Check, uncheck or mark one item. Only that item's row changes: concurrent checks all count."""
        now = self.clock.now()
        async with self.sessions() as session:
            async with session.begin():
                run = await repo.get_run(run_id, session=session)
                if run is None:
                    raise NotFound("error.run_not_found", id=run_id)
                _require_open(run)
                if not 0 <= index < len(run.items):
                    raise FirebellError("error.no_such_item", index=index + 1, id=run_id)
                done = state != OPEN
                if await repo.set_item_state(run_id, index, session=session, state=state,
                                             by=actor if done else None, at=now if done else None, reason=reason):
                    await repo.add_event(run_id, session=session, action=_ITEM_ACTIONS[state], by=actor, at=now,
                                         item_index=index, reason=reason)
                    await self.deliveries.owe_live(session, run)
            # Committed first, then the completion check reads the rows again: it counts checks others
            # committed meanwhile, so of two people checking the last two items at once, one completes it.
            session.expunge_all()
            async with session.begin():
                view = await self._view(session, run_id)
                await self._complete_if_done(session, view, actor)
        return view

    async def _complete_if_done(self, session: AsyncSession, view: RunView, actor: str) -> bool:
        """Complete the run once no required item is open; `view` then shows it completed, and the message
        and a note in its thread are owed."""
        if view.run.state != OPEN or any(view.run.items[i].get("required", True) for i in view.missing()):
            return False
        now = self.clock.now()
        if not await repo.complete_run(view.run.id, session=session, at=now, by=actor):
            return False  # someone else completed it at the same moment
        await repo.add_event(view.run.id, session=session, action="completed", by=actor, at=now)
        await self.timers.cancel_keys([_due_key(view.run.id)], session=session)
        await session.refresh(view.run)
        await self.deliveries.owe_live(session, view.run)
        await self.deliveries.owe_note(session, view.run, "completed",
                                       completed_text(self.t, view, actor, now - view.run.started_at))
        return True

    async def end_for_incident(self, incident_id: int, *, session: AsyncSession) -> int:
        """The incident ended: close its open runs (their messages say so) and cancel their overdue
        notices, in the caller's transaction. Returns how many runs were closed."""
        now = self.clock.now()
        closed = await repo.close_incident_runs(incident_id, session=session)
        for run in closed:
            await repo.add_event(run.id, session=session, action="closed", at=now)
            await self.deliveries.owe_live(session, run)
        await self.timers.cancel_keys([_due_key(run.id) for run in closed], session=session)
        return len(closed)

    # --- reading ------------------------------------------------------------------------------------

    async def open_runs(self, name: str | None = None) -> list[RunView]:
        if name is not None:
            self.template(name)
        async with self.sessions() as session:
            return await load_views(session, await repo.open_runs(session=session, template=name, limit=20))

    async def overview(self) -> Overview:
        """The templates with their schedules, and the runs started today."""
        policy = self.policy.policy
        templates = [
            TemplateEntry(name, template, (template.schedule.timezone or policy.timezone) if template.schedule
                          else None, self.channel_for(template))
            for name, template in policy.checklists.items()
        ]
        if not templates:
            return Overview([], [])
        local_midnight = self.clock.now().astimezone(policy.zone).replace(hour=0, minute=0, second=0, microsecond=0)
        async with self.sessions() as session:
            runs = await repo.runs_started_since(local_midnight, session=session, limit=30)
            return Overview(templates, await load_views(session, runs))

    async def history(self, name: str, limit: int) -> list[tuple[RunView, Sequence[ChecklistEvent]]]:
        """The last runs of a template with their events: three queries, however many runs."""
        self.template(name)
        async with self.sessions() as session:
            runs = await repo.latest_runs(name, session=session, limit=limit)
            views = await load_views(session, runs)
            events = await repo.events([run.id for run in runs], session=session)
        return [(view, events.get(view.run.id, [])) for view in views]

    async def open_items_summary(self, *, session: AsyncSession) -> list[str]:
        """For handoffs: open runs and how much is left, read in the caller's session."""
        runs = await repo.open_runs(session=session, limit=20)
        return open_run_lines(self.t, await load_views(session, runs))

    async def count_runs(self) -> int:
        async with self.sessions() as session:
            return await repo.count_runs(session=session)

    # --- schedules ---------------------------------------------------------------------------------------

    async def ensure_schedules(self) -> int:
        scheduled = 0
        now = self.clock.now()
        async with self.sessions.begin() as session:
            for name, template in self.policy.policy.checklists.items():
                if template.schedule is None:
                    continue
                if self.channel_for(template) is None:
                    log.debug("checklist_schedule_without_channel", checklist=name,  # one start-up warning names it
                                hint="set schedule.channel or channels.ops in the policy")
                    continue
                if await self._schedule_next(session, name, template, now - timedelta(seconds=1)):
                    scheduled += 1
        return scheduled

    async def _schedule_next(
        self, session: AsyncSession, name: str, template: ChecklistTemplate, after: datetime
    ) -> bool:
        """The template's next scheduled run after `after`, once."""
        assert template.schedule is not None
        policy = self.policy.policy
        zone = policy.zone_or_default(template.schedule.timezone)
        fire = next_business_fire(template.schedule.cron, zone, after, policy.work_calendar,
                                  template.schedule.business_days)
        if fire is None:
            return False
        job = await self.timers.schedule(CHECKLIST_RUN, fire, {"template": name},
                                         dedupe_key=f"checklist:{name}:{fire.isoformat()}", session=session)
        return job is not None

    async def fire_scheduled_run(self, firing: Firing) -> str:
        name = str(firing.payload.get("template", ""))
        template = self.policy.policy.checklists.get(name)
        if template is None or template.schedule is None:
            return "skipped_unknown_template"
        async with self.sessions() as session:
            view = await self._start(session, name, actor=None, channel_id=self.channel_for(template),
                                     incident_id=None, due_at=firing.due_at + template.schedule.due_after,
                                     occurrence_key=f"{name}:{firing.due_at.isoformat()}")
            async with session.begin():
                await self._schedule_next(session, name, template, max(firing.due_at, self.clock.now()))
        return "started" if view else "already_started"

    async def fire_due(self, firing: Firing) -> str:
        """The run is overdue: a note in its thread and a DM to each person owning an open item, owed once
        per run however often this timer fires."""
        run_id = int(firing.payload.get("run", 0))
        async with self.sessions() as session, session.begin():
            try:
                view = await self._view(session, run_id)
            except NotFound:
                return "skipped_no_run"
            if view.run.state != OPEN:
                return "skipped_complete"
            if await repo.has_event(run_id, "overdue", session=session):
                return "already_reminded"
            await repo.add_event(run_id, session=session, action="overdue", at=self.clock.now())
            await self.deliveries.owe_note(session, view.run, "overdue", overdue_text(self.t, view))
            # Roles (comms, scribe…) may have been given out after the run started: resolve them now.
            holders = await self._role_holders(session, view.run.incident_id)
            missing = view.missing()
            owner_of = {i: holders.get(str(view.run.items[i].get("owner")), view.run.items[i].get("owner"))
                        for i in missing}
            owners = {str(o) for o in owner_of.values() if str(o or "").startswith(("U", "W"))}
            for owner in sorted(owners):
                mine = [i for i in missing if owner_of[i] == owner]
                text = overdue_owner_text(self.t, view, mine)
                await self.deliveries.owe_dm(session, view.run, "overdue", owner, text)
        return "reminded"

    async def attach_to_incident(self, incident: Incident, channel_id: str | None, actor: str) -> RunView | None:
        """The severity's checklist, due when the incident should be resolved; its role owners are the
        people holding those roles now."""
        name, goals = checklist_for(self.policy.policy, incident), targets(self.policy.policy, incident)
        if name is None or goals is None:  # an incident type may bring its own playbook (security, DR)
            return None
        return await self.start(name, actor=actor, channel_id=channel_id, incident_id=incident.id,
                                due_at=incident.declared_at + goals.resolve_within,
                                occurrence_key=f"incident:{incident.id}:{name}")

    async def _role_holders(self, session: AsyncSession, incident_id: int | None) -> dict[str, str]:
        """Role name → the person holding it now (the first, when several share a role)."""
        if incident_id is None:
            return {}
        holders: dict[str, str] = {}
        for role in await incidents_repo.roles(incident_id, session=session):
            holders.setdefault(role.role, role.user_id)
        return holders


def _require_open(run: ChecklistRun) -> None:
    if run.state != OPEN:
        raise FirebellError("error.run_closed", title=escape(run.title), id=run.id)


def _due_key(run_id: int) -> str:
    return f"checklist-due:{run_id}"
