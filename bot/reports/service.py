"""Reports: the numbers of a period computed by the database, shown privately or posted, and the
scheduled reports of the policy (daily, weekly, monthly SLA review) fired by durable timers and posted
with a chart through the outbox."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.deps import Deps, DomainService
from bot.errors import FirebellError
from bot.logging import get_logger
from bot.policy.postmortems import ReportPeriod
from bot.policy.schema import Policy
from bot.reports.commands import ReportCommand
from bot.reports.numbers import Attainment, Availability, Report, Times
from bot.reports.render import report_text
from bot.scheduling.timers import Firing
from bot.slack.deliveries import POST, post_payload
from storage.repositories import reports as repo
from storage.repositories.reports import Window

log = get_logger(__name__)

SCHEDULED = "report_scheduled"
CHART = "report.chart"


class ReportService(DomainService):
    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.timers.on(SCHEDULED, self.fire_scheduled)

    # --- the numbers -------------------------------------------------------------------------------------

    def window_for(self, command: ReportCommand) -> Window:
        zone = self.policy.policy.zone
        now = self.clock.now()
        if command.start is not None and command.end is not None:
            start = datetime.combine(command.start, time(0, 0), zone)
            end = datetime.combine(command.end + timedelta(days=1), time(0, 0), zone)
            return Window(start, min(end, now) if start < now else end, command.service)
        return Window(now - timedelta(days=command.days or 30), now, command.service)

    async def build(self, window: Window, *, session: AsyncSession | None = None) -> Report:
        if session is None:
            async with self.sessions() as own:
                return await compute(window, self.policy.policy, self.clock.now(), session=own)
        return await compute(window, self.policy.policy, self.clock.now(), session=session)

    def text(self, report: Report, name: str | None = None) -> str:
        return report_text(self.t, self.policy.severities, report, self.policy.policy.zone, name=name)

    async def on_request(self, command: ReportCommand, channel_id: str | None) -> tuple[str, str | None]:
        """The report's text, and the delivery key when it is to be posted (`public`) in the channel."""
        report = await self.build(self.window_for(command))
        text = self.text(report)
        if not command.public:
            return text, None
        if not channel_id:
            raise FirebellError("error.report_bad_range", value="public")
        key = f"report:{channel_id}:{self.clock.now().isoformat()}"
        async with self.sessions.begin() as session:
            await self.outbox.owe(session, key, POST, post_payload(channel_id, text[:39000]), kick=False)
        return text, key

    # --- scheduled reports ---------------------------------------------------------------------------------

    def channel(self, schedule_channel: str | None) -> str | None:
        policy = self.policy.policy
        return schedule_channel or policy.reports.channel or policy.channels.ops

    async def ensure_schedules(self) -> int:
        scheduled = 0
        now = self.clock.now()
        async with self.sessions.begin() as session:
            for name, schedule in self.policy.policy.reports.schedules.items():
                if self.channel(schedule.channel) is None:
                    log.debug("report_without_channel", report=name, hint="set reports.channel or channels.ops")
                    continue
                zone = self.policy.policy.zone_or_default(schedule.timezone)
                if await self.timers.schedule_cron(SCHEDULED, schedule.cron, zone, now - timedelta(seconds=1),
                                                   {"name": name}, f"report:{name}", session=session):
                    scheduled += 1
        return scheduled

    def period(self, period: ReportPeriod, at: datetime, zone: Any) -> tuple[datetime, datetime]:
        """The day so far; the last 7 days; the calendar month before `at` (the monthly SLA review)."""
        local = at.astimezone(zone)
        if period is ReportPeriod.DAY:
            return datetime.combine(local.date(), time(0, 0), zone), at
        if period is ReportPeriod.WEEK:
            return at - timedelta(days=7), at
        first = date(local.year, local.month, 1)
        previous = date(first.year - 1, 12, 1) if first.month == 1 else date(first.year, first.month - 1, 1)
        return datetime.combine(previous, time(0, 0), zone), datetime.combine(first, time(0, 0), zone)

    async def fire_scheduled(self, firing: Firing) -> str:
        name = str(firing.payload.get("name", ""))
        schedule = self.policy.policy.reports.schedules.get(name)
        if schedule is None:
            return "skipped_unknown"
        channel = self.channel(schedule.channel)
        zone = self.policy.policy.zone_or_default(schedule.timezone)
        start, end = self.period(schedule.period, firing.due_at, zone)
        async with self.sessions.begin() as session:
            report = await self.build(Window(start, end), session=session)
            chart_start = min(start, end - timedelta(weeks=8))  # the chart shows the weeks before too
            weekly, trend = await repo.weekly(Window(chart_start, end), session=session)
            headline = {**report.headline(), "name": str(self.t.plain(f"report.name.{schedule.period.value}")),
                        "series": {"start": chart_start.isoformat(), "weekly": weekly,
                                   "trend": {m: {str(k): v for k, v in per.items()} for m, per in trend.items()}}}
            snapshot = await repo.add_snapshot(session=session, name=name, start=start, end=end, now=self.clock.now(),
                                               headline=headline, occurrence_key=f"report:{name}:{firing.due_at}")
            if snapshot is not None and channel is not None:
                text = self.text(report, name=headline["name"])
                if schedule.chart:
                    await self.outbox.owe(session, f"job:{firing.id}:report", CHART,
                                          {"channel": channel, "text": text[:3900], "snapshot": snapshot.id})
                else:
                    await self.outbox.owe(session, f"job:{firing.id}:report", POST, post_payload(channel, text))
            await self.timers.schedule_cron(SCHEDULED, schedule.cron, zone, max(firing.due_at, self.clock.now()),
                                            {"name": name}, f"report:{name}", session=session)
        return "owed" if snapshot is not None else "repeated"


async def compute(window: Window, policy: Policy, now: datetime, *, session: AsyncSession) -> Report:
    """The report of a window, every number computed by the database (also used by `firebell report`)."""
    counted = await repo.counts(window, session=session)
    order = {s.id: i for i, s in enumerate(policy.severities)}
    by_severity: dict[str, int] = {}
    by_service: dict[str, int] = {}
    for severity, service, n in counted:
        by_severity[severity] = by_severity.get(severity, 0) + n
        if service:
            by_service[service] = by_service.get(service, 0) + n
    by_severity = dict(sorted(by_severity.items(), key=lambda kv: order.get(kv[0], 99)))
    times = {metric: {key: Times(*values) for key, values in per.items()}
             for metric, per in (await repo.response_times(window, session=session)).items()}
    targets = {s.id: (int(s.ack_within.total_seconds()), int(s.resolve_within.total_seconds()))
               for s in policy.severities}
    sla = {s: Attainment(*v) for s, v in sorted((await repo.sla(window, targets, session=session)).items(),
                                                key=lambda kv: order.get(kv[0], 99))}
    severities = policy.reports.downtime_severities
    down = await repo.downtime(window, severities, now, session=session)
    period = max(1.0, (min(window.end, now) - window.start).total_seconds())
    services = sorted(set(by_service) | set(down))
    availability = []
    for service in services:
        target = policy.reports.target_for(service)
        seconds = down.get(service, 0.0)
        availability.append(Availability(service, 100.0 * (1 - seconds / period), target, seconds,
                                         period * (1 - target / 100.0)))
    return Report(start=window.start, end=window.end, service=window.service, total=sum(by_severity.values()),
                  by_severity=by_severity, by_service=by_service, times=times, sla=sla, availability=availability,
                  slowest=await repo.slowest(window, session=session),
                  pages=await repo.pages_per_person(window, session=session), downtime_severities=list(severities),
                  suppressed_alerts=await repo.suppressed_alerts(window, session=session))
