"""Reminders: one-off ones inside an incident, recurring ones from the policy; durable timers both.

A firing owes its post through the outbox, keyed by the timer job: a timer fired twice posts once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.deps import Deps, DomainService
from bot.errors import NotFound, UsageError
from bot.logging import get_logger
from bot.policy.calendar import next_business_fire
from bot.scheduling.timers import PENDING, Firing
from bot.scheduling.when import WhenError, parse_when
from bot.slack.deliveries import POST, post_payload
from bot.slack.text import date_token, escape
from storage.models import Incident, ScheduledJob
from storage.repositories import incidents as repo

log = get_logger(__name__)

REMINDER = "reminder"
RECURRING_REMINDER = "recurring_reminder"


class ReminderService(DomainService):
    fallback_channel: str | None = None  # the feed, when neither the reminder nor channels.ops names one

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.timers.on(REMINDER, self.fire_reminder)
        self.timers.on(RECURRING_REMINDER, self.fire_recurring)

    async def remind(self, incident: Incident, when_text: str, text: str, actor: str) -> ScheduledJob:
        now = self.clock.now()
        try:
            due = parse_when(when_text, now, self.policy.policy.zone)
        except WhenError:
            raise UsageError("error.bad_time", "usage.remind", value=escape(when_text[:40])) from None
        if due <= now:
            raise UsageError("error.time_in_past", "usage.remind", when=date_token(due))
        if not text.strip():
            raise UsageError("error.missing_reminder_text", "usage.remind")
        # Where the incident is worked: its channel, else the incident feed, else the person who asked.
        channel = incident.channel_id or incident.feed_channel_id or actor
        async with self.sessions.begin() as session:
            job = await self.timers.schedule(REMINDER, due, {"text": text[:2000], "channel": channel, "by": actor},
                                             incident_id=incident.id, session=session)
            await repo.add_timeline(incident.id, session=session, at=now, actor_id=actor, kind="reminder_set",
                                    data={"text": text[:200], "due": due.isoformat()})
        assert job is not None, "only a timer with a dedupe key can exist already"
        return job

    async def cancel(self, job_id: int, incident: Incident) -> None:
        cancelled = await self.timers.cancel_job(job_id, kind=REMINDER, incident_id=incident.id)
        if not cancelled:
            raise NotFound("error.reminder_not_found", id=job_id, number=incident.id)

    async def pending_for(self, incident_id: int) -> Sequence[ScheduledJob]:
        # Pending only: a reminder being fired right now is no longer one to cancel.
        return await self.timers.pending(incident_id, kind=REMINDER, states=(PENDING,))

    async def cancel_for_incident(self, incident_id: int, *, session: AsyncSession) -> int:
        """The incident ended: its reminders still to come are cancelled, in the caller's transaction."""
        return await self.timers.cancel(incident_id, (REMINDER,), session=session)

    async def fire_reminder(self, firing: Firing) -> str:
        payload = firing.payload
        text = self.t("reminder.post", user=payload.get("by", ""), text=escape(str(payload.get("text", ""))))
        if firing.late:
            text += "\n" + self.t("reminder.late")
        async with self.sessions.begin() as session:
            await self.outbox.owe(session, _post_key(firing), POST, post_payload(str(payload["channel"]), text),
                                  incident_id=firing.incident_id)
        return "owed"

    # --- recurring -------------------------------------------------------------------------------------

    async def ensure_schedules(self) -> int:
        scheduled = 0
        now = self.clock.now()
        async with self.sessions.begin() as session:
            for name, reminder in self.policy.policy.reminders.items():
                if (reminder.channel or self.policy.policy.channels.ops or self.fallback_channel) is None:
                    log.debug("reminder_without_channel", reminder=name,  # one start-up warning names it
                                hint="set its channel or channels.ops in the policy")
                    continue
                if await self._schedule_next(session, name, now - timedelta(seconds=1)):
                    scheduled += 1
        return scheduled

    async def fire_recurring(self, firing: Firing) -> str:
        name = str(firing.payload.get("name", ""))
        reminder = self.policy.policy.reminders.get(name)
        if reminder is None:
            return "skipped_unknown"
        channel = reminder.channel or self.policy.policy.channels.ops or self.fallback_channel
        if channel is None:
            return "skipped_no_channel"
        async with self.sessions.begin() as session:
            await self.outbox.owe(session, _post_key(firing), POST,
                                  post_payload(channel, self.t("reminder.recurring", text=escape(reminder.text))))
            await self._schedule_next(session, name, max(firing.due_at, self.clock.now()))
        return "owed"

    async def _schedule_next(self, session: AsyncSession, name: str, after: datetime) -> bool:
        """The reminder's next occurrence after `after`, once; a day off moves or skips it when it says so."""
        policy = self.policy.policy
        reminder = policy.reminders[name]
        fire = next_business_fire(reminder.cron, policy.zone_or_default(reminder.timezone), after,
                                  policy.work_calendar, reminder.business_days)
        if fire is None:
            return False
        job = await self.timers.schedule(RECURRING_REMINDER, fire, {"name": name},
                                         dedupe_key=f"reminder:{name}:{fire.isoformat()}", session=session)
        return job is not None


def _post_key(firing: Firing) -> str:
    return f"job:{firing.id}:post"
