"""Maintenance windows: announced, noticed ahead (seed 000), started and ended through durable timers.

While a window is active, alerts for its services are suppressed: `active_for(service)` answers that.
Every announcement is owed through the outbox in the transaction that records the window's change (or
that a timer firing runs in), keyed by the window and what is announced, so it is posted once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.deps import Deps, DomainService
from bot.errors import FirebellError, NotFound, UsageError
from bot.logging import get_logger
from bot.maintenance.commands import MaintenanceSchedule
from bot.maintenance.kinds import check_kind_notice, kind_title, notice_for
from bot.maintenance.render import window_text
from bot.policy.schema import RecurringWindow
from bot.scheduling.cron import next_fire
from bot.scheduling.timers import Firing
from bot.scheduling.when import WhenError, parse_moment
from bot.slack.blocks import format_duration
from bot.slack.deliveries import POST, post_payload
from bot.slack.text import date_token, escape
from storage.models import MaintenanceWindow
from storage.repositories import maintenance as repo
from storage.repositories.maintenance import CANCELLED, SCHEDULED

log = get_logger(__name__)

NOTICE, START, END, RECURRING = "maintenance_notice", "maintenance_start", "maintenance_end", "maintenance_recurring"
# What each announcement timer says, and the name its delivery key carries.
_ANNOUNCED = {NOTICE: ("maintenance.notice", "notice"), START: ("maintenance.started", "start"),
              END: ("maintenance.ended", "end")}


def _keys(window_id: int) -> dict[str, str]:
    return {kind: f"maintenance:{window_id}:{kind}" for kind in (NOTICE, START, END)}


class MaintenanceService(DomainService):
    def __init__(self, deps: Deps, *, fallback_channel: str | None) -> None:
        super().__init__(deps)
        self.fallback_channel = fallback_channel
        # Notes on the alerts each window suppressed, by window id (plugged in by bot/alerts/service.py);
        # shown in `/maintenance list` and in the window's end notice.
        self.suppressed_notes: Callable[[Sequence[int]], Awaitable[dict[int, str]]] | None = None
        for kind in (NOTICE, START, END):
            self.timers.on(kind, self.fire_announcement)
        self.timers.on(RECURRING, self.fire_recurring)

    @property
    def channel(self) -> str | None:
        policy = self.policy.policy
        return policy.maintenance.channel or policy.channels.ops or self.fallback_channel

    # --- scheduling -----------------------------------------------------------------------------------

    def _resolve_start(self, text: str) -> datetime:
        """The start as typed (`22:00`, `tomorrow 02:00`), read in the policy's zone from now."""
        try:
            return parse_moment(text, self.clock.now(), self.policy.policy.zone)
        except WhenError:
            raise UsageError("error.bad_time", "usage.maintenance_schedule", value=escape(text[:40])) from None

    async def schedule(self, command: MaintenanceSchedule, actor: str) -> MaintenanceWindow:
        """A window someone asked for: checked, recorded with its timers and its announcement."""
        start = self._resolve_start(command.start)
        await self.access.require("maintenance", actor)
        limit = self.policy.policy.maintenance.max_duration
        if command.duration > limit:
            raise UsageError("error.maintenance_too_long", "usage.maintenance_schedule",
                             limit=format_duration(self.t, limit))
        if start <= self.clock.now():
            raise UsageError("error.time_in_past", "usage.maintenance_schedule", when=date_token(start))
        title = command.title
        if command.kind is not None:
            title = check_kind_notice(self.t, self.policy.policy.maintenance, command.kind, start,
                                      self.clock.now(), title)
        async with self.sessions.begin() as session:
            window = await self._add_window(session, start=start, duration=command.duration, title=title,
                                            services=list(command.services), actor=actor, kind=command.kind)
        assert window is not None, "only a recurring occurrence can exist already"
        return window

    async def _add_window(
        self,
        session: AsyncSession,
        *,
        start: datetime,
        duration: timedelta,
        title: str,
        services: list[str],
        actor: str | None,
        occurrence_key: str | None = None,
        kind: str | None = None,
    ) -> MaintenanceWindow | None:
        """The window, its notice, start and end timers and its announcement, in the caller's transaction;
        None when the recurring occurrence exists already."""
        now = self.clock.now()
        window = await repo.add_window(session=session, title=title, services=services, starts_at=start,
                                       ends_at=start + duration, created_by=actor, created_at=now,
                                       occurrence_key=occurrence_key)
        if window is None:
            return None
        keys = _keys(window.id)
        notice_at = start - notice_for(self.policy.policy.maintenance, kind)
        if notice_at > now:
            await self.timers.schedule(NOTICE, notice_at, {"window": window.id}, dedupe_key=keys[NOTICE],
                                       session=session)
        # A recurring occurrence is announced at its notice time, not when it is created (at start-up):
        # nobody asked for it, so no "scheduled" post, and no late "started" for one already under way.
        recurring = occurrence_key is not None
        if not (recurring and start <= now):
            await self.timers.schedule(START, start, {"window": window.id}, dedupe_key=keys[START], session=session)
        await self.timers.schedule(END, window.ends_at, {"window": window.id}, dedupe_key=keys[END], session=session)
        if not recurring:
            await self._owe(session, window, "scheduled", window_text(self.t, "maintenance.scheduled", window))
        return window

    async def cancel(self, window_id: int, actor: str) -> MaintenanceWindow:
        await self.access.require("maintenance", actor)
        now = self.clock.now()
        async with self.sessions.begin() as session:
            window = await repo.get_window(window_id, session=session)
            if window is None:
                raise NotFound("error.maintenance_not_found", id=window_id)
            if window.state == CANCELLED:
                raise FirebellError("error.maintenance_already_cancelled", id=window_id)
            if window.ends_at <= now:
                raise FirebellError("error.maintenance_over", id=window_id)
            window.state, window.cancelled_by, window.cancelled_at = CANCELLED, actor, now
            await self.timers.cancel_keys(_keys(window_id).values(), session=session)
            await self._owe(session, window, "cancelled",
                            window_text(self.t, "maintenance.cancelled", window, user=actor))
        return window

    async def upcoming(self) -> Sequence[MaintenanceWindow]:
        async with self.sessions() as session:
            return await repo.windows_not_over(session=session, now=self.clock.now())

    async def active_for(self, service: str | None, at: datetime | None = None) -> MaintenanceWindow | None:
        """The active window covering a service (a window without services covers everything)."""
        async with self.sessions() as session:
            windows = await repo.windows_active_at(at or self.clock.now(), session=session)
        for window in windows:
            if not window.services or (service and service.lower() in {s.lower() for s in window.services}):
                return window
        return None

    async def notes_for(self, window_ids: Sequence[int]) -> dict[int, str]:
        if self.suppressed_notes is None or not window_ids:
            return {}
        return await self.suppressed_notes(window_ids)

    def is_active(self, window: MaintenanceWindow) -> bool:
        now = self.clock.now()
        return window.state == SCHEDULED and window.starts_at <= now < window.ends_at

    # --- announcements -------------------------------------------------------------------------------------

    async def _owe(self, session: AsyncSession, window: MaintenanceWindow, name: str, text: str) -> None:
        """Owe an announcement in the maintenance channel, once per window and name."""
        channel = self.channel
        if channel is None:
            log.warning("maintenance_no_channel", window=window.id, announcement=name)
            return
        await self.outbox.owe(session, f"maintenance:{window.id}:{name}", POST, post_payload(channel, text))

    async def fire_announcement(self, firing: Firing) -> str:
        notes = await self.notes_for([int(firing.payload.get("window", 0))]) if firing.kind == END else {}
        async with self.sessions.begin() as session:
            window = await repo.get_window(int(firing.payload.get("window", 0)), session=session)
            if window is None or window.state != SCHEDULED:
                return "skipped_cancelled"
            key, name = _ANNOUNCED[firing.kind]
            text = window_text(self.t, key, window)
            if window.id in notes:
                text += "\n" + notes[window.id]
            if firing.late:
                text += "\n" + self.t("maintenance.late")
            await self._owe(session, window, name, text)
        return "announced"

    # --- recurring windows from the policy --------------------------------------------------------------------

    async def ensure_schedules(self) -> int:
        """Create the next occurrence of every recurring window (idempotent)."""
        now = self.clock.now()
        zone = self.policy.policy.zone
        created = 0
        async with self.sessions.begin() as session:
            for name, recurring in self.policy.policy.maintenance.recurring.items():
                # The occurrence under way (started at start-up mid-window), and the next one.
                current = next_fire(recurring.cron, zone, now - recurring.duration)
                starts = [current] if current is not None and current <= now else []
                upcoming = next_fire(recurring.cron, zone, now - timedelta(seconds=1))
                if upcoming is not None and upcoming not in starts:
                    starts.append(upcoming)
                for start in starts:
                    if await self._add_occurrence(session, name, recurring, start):
                        created += 1
        return created

    async def _add_occurrence(
        self, session: AsyncSession, name: str, recurring: RecurringWindow, start: datetime
    ) -> MaintenanceWindow | None:
        """One occurrence and the timer that creates the next one when it starts, in the caller's transaction.
        (No length check: the policy refuses recurring windows longer than max_duration.)"""
        title = kind_title(self.t, self.policy.policy.maintenance, recurring.kind, recurring.title)
        window = await self._add_window(session, start=start, duration=recurring.duration, title=title,
                                        services=list(recurring.services), actor=None,
                                        occurrence_key=f"{name}:{start.isoformat()}", kind=recurring.kind)
        await self.timers.schedule(RECURRING, start, {"name": name},
                                   dedupe_key=f"maintenance-recurring:{name}:{start.isoformat()}", session=session)
        return window

    async def fire_recurring(self, firing: Firing) -> str:
        name = str(firing.payload.get("name", ""))
        recurring = self.policy.policy.maintenance.recurring.get(name)
        if recurring is None:
            return "skipped_unknown"
        following = next_fire(recurring.cron, self.policy.policy.zone, max(firing.due_at, self.clock.now()))
        if following is not None:
            async with self.sessions.begin() as session:
                await self._add_occurrence(session, name, recurring, following)
        return "scheduled_next"
