"""Checklists: runs of a template, item by item, with who did what; scheduled through durable timers."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from bot.checklists.render import checklist_item_label, checklist_message, checklist_text
from bot.deps import Deps, DomainService
from bot.errors import FirebellError, NotFound, SlackCallFailed
from bot.logging import get_logger
from bot.policy.schema import ChecklistTemplate
from bot.scheduling.timers import Firing
from bot.slack.blocks import format_duration
from bot.slack.text import escape
from storage.models import ChecklistEvent, ChecklistItemState, ChecklistRun, Incident
from storage.repositories import incidents as repo

log = get_logger(__name__)

CHECKLIST_RUN = "checklist_run"
CHECKLIST_DUE = "checklist_due"
OPEN, DONE, NA = "open", "done", "na"


@dataclass(frozen=True)
class RunView:
    run: ChecklistRun
    states: list[ChecklistItemState]

    @property
    def finished(self) -> int:
        return sum(1 for s in self.states if s.state in (DONE, NA))

    def missing(self) -> list[int]:
        return [s.item_index for s in self.states if s.state == OPEN]


class ChecklistService(DomainService):
    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.timers.on(CHECKLIST_RUN, self.fire_scheduled_run)
        self.timers.on(CHECKLIST_DUE, self.fire_due)

    def channel_for(self, template: ChecklistTemplate) -> str | None:
        if template.schedule is None:
            return None
        return template.schedule.channel or self.policy.policy.channels.ops

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
        owners: dict[str, str] | None = None,
    ) -> RunView | None:
        """Create a run and post it. None when this occurrence already has its run."""
        template = self.template(name)
        now = self.clock.now()
        items = [
            {"text": item.text, "required": item.required,
             # Role owners (commander…) become the person holding the role in the incident.
             "owner": (owners or {}).get(item.owner, item.owner) if item.owner else None}
            for item in template.items
        ]
        try:
            async with self.sessions.begin() as session:
                run = ChecklistRun(template=name, title=template.title, items=items, channel_id=channel_id,
                                   incident_id=incident_id, started_by=actor, started_at=now, due_at=due_at,
                                   state="open", occurrence_key=occurrence_key)
                session.add(run)
                await session.flush()
                session.add_all(ChecklistItemState(run_id=run.id, item_index=i, state=OPEN)
                                for i in range(len(items)))
                session.add(ChecklistEvent(run_id=run.id, action="started", by=actor, at=now))
                if due_at is not None:
                    await self.timers.schedule(CHECKLIST_DUE, due_at, {"run": run.id},
                                               dedupe_key=_due_key(run.id), session=session)
        except IntegrityError:
            if occurrence_key is None:
                raise
            return None
        view = await self.view(run.id)
        if channel_id:
            try:
                ts = await self.notifier.post(channel_id, checklist_text(self.t, view),
                                              checklist_message(self.t, view))
            except SlackCallFailed as exc:
                log.warning("checklist_not_posted", run=run.id, code=exc.code)
            else:
                async with self.sessions.begin() as session:
                    await session.execute(update(ChecklistRun).where(ChecklistRun.id == run.id)
                                          .values(message_ts=ts).execution_options(synchronize_session=False))
                view.run.message_ts = ts
        return view

    async def view(self, run_id: int) -> RunView:
        async with self.sessions() as session:
            run = await session.get(ChecklistRun, run_id)
            if run is None:
                raise NotFound("error.run_not_found", id=run_id)
            states = await session.execute(
                select(ChecklistItemState).where(ChecklistItemState.run_id == run_id)
                .order_by(ChecklistItemState.item_index)
            )
            return RunView(run, list(states.scalars()))

    async def set_item(self, run_id: int, index: int, state: str, actor: str, reason: str | None = None) -> RunView:
        """Check, uncheck or mark one item. Only that item's row changes: concurrent checks all count."""
        now = self.clock.now()
        async with self.sessions.begin() as session:
            run = await session.get(ChecklistRun, run_id)
            if run is None:
                raise NotFound("error.run_not_found", id=run_id)
            if run.state != "open":
                raise FirebellError("error.run_closed", title=escape(run.title), id=run_id)
            if not 0 <= index < len(run.items):
                raise FirebellError("error.no_such_item", index=index + 1, id=run_id)
            changed = await session.execute(
                update(ChecklistItemState)
                .where(ChecklistItemState.run_id == run_id, ChecklistItemState.item_index == index,
                       ChecklistItemState.state != state)
                .values(state=state, by=actor if state != OPEN else None, at=now if state != OPEN else None,
                        reason=reason)
                .execution_options(synchronize_session=False)
            )
            if changed.rowcount:  # type: ignore[attr-defined]
                action = {DONE: "done", OPEN: "undone", NA: "na"}[state]
                session.add(ChecklistEvent(run_id=run_id, item_index=index, action=action, by=actor, at=now,
                                           reason=reason))
        completed = await self._complete_if_done(run_id, actor)
        await self.refresh(run_id)
        if completed:
            await self._announce_completion(run_id, actor)
        return await self.view(run_id)

    async def _complete_if_done(self, run_id: int, actor: str) -> bool:
        view = await self.view(run_id)
        required_open = [i for i in view.missing() if view.run.items[i].get("required", True)]
        if required_open:
            return False
        now = self.clock.now()
        async with self.sessions.begin() as session:
            result = await session.execute(
                update(ChecklistRun).where(ChecklistRun.id == run_id, ChecklistRun.state == "open")
                .values(state="completed", completed_at=now, completed_by=actor)
                .execution_options(synchronize_session=False)
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                return False  # someone else completed it at the same moment
            session.add(ChecklistEvent(run_id=run_id, action="completed", by=actor, at=now))
        await self.timers.cancel_keys([_due_key(run_id)])
        return True

    async def _announce_completion(self, run_id: int, actor: str) -> None:
        view = await self.view(run_id)
        if view.run.channel_id is None:
            return
        text = self.t("checklist.completed", title=escape(view.run.title), user=actor,
                      duration=format_duration(self.t, self.clock.now() - view.run.started_at))
        try:
            await self.notifier.post(view.run.channel_id, text, thread_ts=view.run.message_ts)
        except SlackCallFailed as exc:
            log.warning("checklist_completion_not_posted", run=run_id, code=exc.code)

    async def refresh(self, run_id: int) -> None:
        """Re-render from the database, so the message shows every recorded check."""
        async with self._locks[run_id]:
            view = await self.view(run_id)
            if view.run.channel_id and view.run.message_ts:
                try:
                    await self.notifier.update(view.run.channel_id, view.run.message_ts,
                                               checklist_text(self.t, view),
                                               checklist_message(self.t, view))
                except SlackCallFailed as exc:
                    log.warning("checklist_not_refreshed", run=run_id, code=exc.code)

    # --- reading ------------------------------------------------------------------------------------

    async def open_runs(self, name: str | None = None) -> list[RunView]:
        async with self.sessions() as session:
            query = select(ChecklistRun.id).where(ChecklistRun.state == "open").order_by(ChecklistRun.id)
            if name is not None:
                query = query.where(ChecklistRun.template == name)
            ids = list((await session.execute(query)).scalars())
        return [await self.view(run_id) for run_id in ids[-20:]]

    async def runs_since(self, since: datetime) -> list[RunView]:
        async with self.sessions() as session:
            ids = list((await session.execute(
                select(ChecklistRun.id).where(ChecklistRun.started_at >= since).order_by(ChecklistRun.id)
            )).scalars())
        return [await self.view(run_id) for run_id in ids[-30:]]

    async def history(self, name: str, limit: int) -> list[tuple[RunView, Sequence[ChecklistEvent]]]:
        self.template(name)
        async with self.sessions() as session:
            ids = list((await session.execute(
                select(ChecklistRun.id).where(ChecklistRun.template == name)
                .order_by(ChecklistRun.started_at.desc(), ChecklistRun.id.desc()).limit(limit)
            )).scalars())
        result = []
        for run_id in ids:
            async with self.sessions() as session:
                events = (await session.execute(
                    select(ChecklistEvent).where(ChecklistEvent.run_id == run_id).order_by(ChecklistEvent.id)
                )).scalars().all()
            result.append((await self.view(run_id), events))
        return result

    async def open_items_summary(self) -> list[str]:
        """For handoffs: open runs and how much is left."""
        return [self.t("checklist.open_line", title=escape(v.run.title), done=v.finished,
                       total=len(v.states), channel=f" <#{v.run.channel_id}>" if v.run.channel_id else "")
                for v in await self.open_runs()]

    async def count_runs(self) -> int:
        async with self.sessions() as session:
            return int((await session.execute(select(func.count()).select_from(ChecklistRun))).scalar_one())

    # --- schedules ---------------------------------------------------------------------------------------

    async def ensure_schedules(self) -> int:
        scheduled = 0
        now = self.clock.now()
        for name, template in self.policy.policy.checklists.items():
            if template.schedule is None:
                continue
            if self.channel_for(template) is None:
                log.warning("checklist_schedule_without_channel", checklist=name,
                            hint="set schedule.channel or channels.ops in the policy")
                continue
            zone = self.policy.policy.zone_or_default(template.schedule.timezone)
            if await self.timers.schedule_cron(CHECKLIST_RUN, template.schedule.cron, zone,
                                               now - timedelta(seconds=1), {"template": name}, f"checklist:{name}"):
                scheduled += 1
        return scheduled

    async def fire_scheduled_run(self, firing: Firing) -> str:
        name = str(firing.payload.get("template", ""))
        template = self.policy.policy.checklists.get(name)
        if template is None or template.schedule is None:
            return "skipped_unknown_template"
        schedule = template.schedule
        view = await self.start(name, actor=None, channel_id=self.channel_for(template),
                                due_at=firing.due_at + schedule.due_after,
                                occurrence_key=f"{name}:{firing.due_at.isoformat()}")
        zone = self.policy.policy.zone_or_default(schedule.timezone)
        await self.timers.schedule_cron(CHECKLIST_RUN, schedule.cron, zone, max(firing.due_at, self.clock.now()),
                                        {"template": name}, f"checklist:{name}")
        return "started" if view else "already_started"

    async def fire_due(self, firing: Firing) -> str:
        run_id = int(firing.payload.get("run", 0))
        try:
            view = await self.view(run_id)
        except NotFound:
            return "skipped_no_run"
        if view.run.state != "open":
            return "skipped_complete"
        missing = view.missing()
        async with self.sessions.begin() as session:
            session.add(ChecklistEvent(run_id=run_id, action="overdue", at=self.clock.now()))
        lines = [checklist_item_label(view.run.items[i], i) for i in missing]
        text = self.t("checklist.overdue", title=escape(view.run.title), done=view.finished,
                      total=len(view.states), missing="\n".join(lines))
        if view.run.channel_id:
            try:
                await self.notifier.post(view.run.channel_id, text, thread_ts=view.run.message_ts)
            except SlackCallFailed as exc:
                log.warning("checklist_overdue_not_posted", run=run_id, code=exc.code)
        # Roles (comms, scribe…) may have been given out after the run started: resolve them now.
        holders = await self._role_holders(view.run.incident_id)
        owner_of = {i: holders.get(str(view.run.items[i].get("owner")), view.run.items[i].get("owner"))
                    for i in missing}
        owners = {str(o) for o in owner_of.values() if str(o or "").startswith(("U", "W"))}
        for owner in sorted(owners):
            mine = [checklist_item_label(view.run.items[i], i) for i in missing if owner_of[i] == owner]
            try:
                await self.notifier.post(owner, self.t("checklist.overdue_owner", title=escape(view.run.title),
                                                       items="\n".join(mine)))
            except SlackCallFailed as exc:
                log.warning("checklist_owner_not_told", run=run_id, owner=owner, code=exc.code)
        return "reminded"

    async def attach_to_incident(self, incident: Incident, channel_id: str | None, actor: str) -> RunView | None:
        """The severity's checklist, due when the incident should be resolved."""
        policy = self.policy.policy.severity(incident.severity)
        if policy is None or policy.checklist is None:
            return None
        return await self.start(policy.checklist, actor=actor, channel_id=channel_id, incident_id=incident.id,
                                due_at=incident.declared_at + policy.resolve_within,
                                occurrence_key=f"incident:{incident.id}:{policy.checklist}",
                                owners=await self._role_holders(incident.id))

    async def _role_holders(self, incident_id: int | None) -> dict[str, str]:
        """Role name → the person holding it now (the first, when several share a role)."""
        if incident_id is None:
            return {}
        async with self.sessions() as session:
            roles = await repo.roles(incident_id, session=session)
        holders: dict[str, str] = {}
        for role in roles:
            holders.setdefault(role.role, role.user_id)
        return holders


def _due_key(run_id: int) -> str:
    return f"checklist-due:{run_id}"
