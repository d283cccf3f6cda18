"""Maintenance windows: announced, noticed ahead (seed 000), started and ended through durable timers.

While a window is active, alerts for its services are suppressed: `active_for(service)` answers that.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.deps import Deps, DomainService
from bot.errors import FirebellError, NotFound, SlackCallFailed, UsageError
from bot.logging import get_logger
from bot.policy.fields import parse_duration
from bot.scheduling.cron import next_fire
from bot.scheduling.timers import Firing
from bot.scheduling.when import WhenError, parse_moment
from bot.slack.blocks import format_duration
from bot.slack.text import date_token, escape
from storage.models import MaintenanceWindow

log = get_logger(__name__)

NOTICE, START, END, RECURRING = "maintenance_notice", "maintenance_start", "maintenance_end", "maintenance_recurring"


def _keys(window_id: int) -> dict[str, str]:
    return {kind: f"maintenance:{window_id}:{kind}" for kind in (NOTICE, START, END)}


class MaintenanceService(DomainService):
    def __init__(self, deps: Deps, *, fallback_channel: str | None) -> None:
        super().__init__(deps)
        self.fallback_channel = fallback_channel
        for kind in (NOTICE, START, END):
            self.timers.on(kind, self.fire_announcement)
        self.timers.on(RECURRING, self.fire_recurring)

    @property
    def channel(self) -> str | None:
        policy = self.policy.policy
        return policy.maintenance.channel or policy.channels.ops or self.fallback_channel

    # --- scheduling -----------------------------------------------------------------------------------

    def parse_start(self, tokens: list[str]) -> tuple[datetime, list[str]]:
        """`22:00`, `tomorrow 02:00`, `2026-11-29 02:00`: one or two tokens of start time."""
        zone = self.policy.policy.zone
        now = self.clock.now()
        two_token = bool(tokens) and (tokens[0].lower() in ("today", "tomorrow", "오늘", "내일")
                                      or (tokens[0][:4].isdigit() and "-" in tokens[0]))
        take = 2 if two_token and len(tokens) > 1 and ":" in tokens[1] else 1
        try:
            return parse_moment(" ".join(tokens[:take]), now, zone), tokens[take:]
        except WhenError:
            raise UsageError("error.bad_time", "usage.maintenance_schedule",
                             value=escape(" ".join(tokens[:take])[:40])) from None

    async def schedule(
        self,
        *,
        start: datetime,
        duration_text: str,
        title: str,
        services: list[str],
        actor: str | None,
        occurrence_key: str | None = None,
        duration: timedelta | None = None,
    ) -> MaintenanceWindow | None:
        if actor is not None:
            await self.access.require("maintenance", actor)
        if duration is None:
            try:
                duration = parse_duration(duration_text)
            except ValueError:
                raise UsageError("error.bad_duration", "usage.maintenance_schedule",
                                 value=escape(duration_text[:40])) from None
        limit = self.policy.policy.maintenance.max_duration
        if duration > limit:
            raise UsageError("error.maintenance_too_long", "usage.maintenance_schedule",
                             limit=format_duration(self.t, limit))
        now = self.clock.now()
        if start <= now and occurrence_key is None:
            raise UsageError("error.time_in_past", "usage.maintenance_schedule", when=date_token(start))
        end = start + duration
        try:
            async with self.sessions.begin() as session:
                window = MaintenanceWindow(title=title, services=services, starts_at=start, ends_at=end,
                                           state="scheduled", created_by=actor, created_at=now,
                                           occurrence_key=occurrence_key)
                session.add(window)
                await session.flush()
                keys = _keys(window.id)
                notice_at = start - self.policy.policy.maintenance.notice_before
                if notice_at > now:
                    await self.timers.schedule(NOTICE, notice_at, {"window": window.id}, dedupe_key=keys[NOTICE],
                                               session=session)
                await self.timers.schedule(START, start, {"window": window.id}, dedupe_key=keys[START],
                                           session=session)
                await self.timers.schedule(END, end, {"window": window.id}, dedupe_key=keys[END], session=session)
        except IntegrityError:
            if occurrence_key is None:
                raise
            return None
        await self._post(self._describe("maintenance.scheduled", window))
        return window

    async def cancel(self, window_id: int, actor: str) -> MaintenanceWindow:
        await self.access.require("maintenance", actor)
        now = self.clock.now()
        async with self.sessions.begin() as session:
            window = await session.get(MaintenanceWindow, window_id)
            if window is None:
                raise NotFound("error.maintenance_not_found", id=window_id)
            if window.state == "cancelled":
                raise FirebellError("error.maintenance_already_cancelled", id=window_id)
            if window.ends_at <= now:
                raise FirebellError("error.maintenance_over", id=window_id)
            window.state, window.cancelled_by, window.cancelled_at = "cancelled", actor, now
        await self.timers.cancel_keys(_keys(window_id).values())
        await self._post(self._describe("maintenance.cancelled", window, user=actor))
        return window

    async def upcoming(self) -> Sequence[MaintenanceWindow]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(MaintenanceWindow)
                .where(MaintenanceWindow.state == "scheduled", MaintenanceWindow.ends_at > self.clock.now())
                .order_by(MaintenanceWindow.starts_at).limit(30)
            )
            return rows.scalars().all()

    async def active_for(self, service: str | None, at: datetime | None = None) -> MaintenanceWindow | None:
        """The active window covering a service (a window without services covers everything)."""
        at = at or self.clock.now()
        async with self.sessions() as session:
            rows = await session.execute(
                select(MaintenanceWindow).where(
                    MaintenanceWindow.state == "scheduled",
                    MaintenanceWindow.starts_at <= at,
                    MaintenanceWindow.ends_at > at,
                ).order_by(MaintenanceWindow.starts_at)
            )
            for window in rows.scalars():
                if not window.services or (service and service.lower() in {s.lower() for s in window.services}):
                    return window
        return None

    def is_active(self, window: MaintenanceWindow) -> bool:
        now = self.clock.now()
        return window.state == "scheduled" and window.starts_at <= now < window.ends_at

    # --- announcements -------------------------------------------------------------------------------------

    def _describe(self, key: str, window: MaintenanceWindow, **extra: str) -> str:
        services = ", ".join(escape(s) for s in window.services) or self.t("maintenance.all_services")
        return self.t(key, id=window.id, title=escape(window.title), start=date_token(window.starts_at),
                      end=date_token(window.ends_at), services=services,
                      duration=format_duration(self.t, window.ends_at - window.starts_at), **extra)

    async def _post(self, text: str) -> None:
        channel = self.channel
        if channel is None:
            log.warning("maintenance_no_channel")
            return
        try:
            await self.notifier.post(channel, text)
        except SlackCallFailed as exc:
            # The window is recorded and its timers run; only this announcement is lost, and logged.
            log.error("maintenance_announcement_failed", channel=channel, code=exc.code)

    async def fire_announcement(self, firing: Firing) -> str:
        async with self.sessions() as session:
            window = await session.get(MaintenanceWindow, int(firing.payload.get("window", 0)))
        if window is None or window.state != "scheduled":
            return "skipped_cancelled"
        key = {NOTICE: "maintenance.notice", START: "maintenance.started", END: "maintenance.ended"}[firing.kind]
        text = self._describe(key, window)
        if firing.late:
            text += "\n" + self.t("maintenance.late")
        await self._post(text)
        return "announced"

    # --- recurring windows from the policy --------------------------------------------------------------------

    async def ensure_schedules(self) -> int:
        """Create the next occurrence of every recurring window (idempotent)."""
        created = 0
        now = self.clock.now()
        zone = self.policy.policy.zone
        for name, recurring in self.policy.policy.maintenance.recurring.items():
            # The occurrence under way (started at start-up mid-window), and the next one.
            current = next_fire(recurring.cron, zone, now - recurring.duration)
            starts = [current] if current is not None and current <= now else []
            upcoming = next_fire(recurring.cron, zone, now - timedelta(seconds=1))
            if upcoming is not None and upcoming not in starts:
                starts.append(upcoming)
            for start in starts:
                if await self._create_occurrence(name, start):
                    created += 1
        return created

    async def _create_occurrence(self, name: str, start: datetime) -> bool:
        recurring = self.policy.policy.maintenance.recurring[name]
        window = await self.schedule(start=start, duration_text="", title=recurring.title,
                                     services=list(recurring.services), actor=None,
                                     occurrence_key=f"{name}:{start.isoformat()}", duration=recurring.duration)
        # When this one starts, the next one is created.
        await self.timers.schedule(RECURRING, start, {"name": name}, dedupe_key=f"maintenance-recurring:{name}:"
                                   f"{start.isoformat()}")
        return window is not None

    async def fire_recurring(self, firing: Firing) -> str:
        name = str(firing.payload.get("name", ""))
        recurring = self.policy.policy.maintenance.recurring.get(name)
        if recurring is None:
            return "skipped_unknown"
        following = next_fire(recurring.cron, self.policy.policy.zone, max(firing.due_at, self.clock.now()))
        if following is not None:
            await self._create_occurrence(name, following)
        return "scheduled_next"

