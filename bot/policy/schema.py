"""The policy file: the operations manual as validated YAML."""

from __future__ import annotations

import functools
from datetime import date, time, timedelta
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from bot.incidents.severity import Broadcast, Severity, SeverityTable
from bot.policy.alerts import AlertsPolicy
from bot.policy.calendar import BusinessDaysField, CalendarPolicy, WorkCalendar
from bot.policy.fields import (
    GROUP_ID,
    USER_ID,
    ChannelIds,
    Duration,
    GroupIds,
    UserIds,
    format_duration,
    parse_clock,
    parse_hours,
    parse_weekday,
    valid_cron,
)
from bot.policy.notices import MaintenanceKind
from bot.policy.playbook import Offset, Phase
from bot.policy.postmortems import PostmortemPolicy, ReportsPolicy
from bot.policy.types import IncidentType, check_types


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Notify(StrEnum):
    DM = "dm"
    MENTION = "mention"


class Tier(Strict):
    name: str | None = None
    users: UserIds = Field(default_factory=list)
    usergroups: GroupIds = Field(default_factory=list)
    channels: ChannelIds = Field(default_factory=list)
    rotations: list[str] = Field(default_factory=list)
    # Outbound HTTP pages, by name from `alerts.webhooks` (SMS, voice, PagerDuty, Opsgenie).
    webhooks: list[str] = Field(default_factory=list)
    notify: list[Notify] = Field(default_factory=lambda: [Notify.DM, Notify.MENTION])
    wait: Duration = timedelta(minutes=15)
    # Paged this long after the declaration ("L2 at 30m"), instead of ack_within plus the waits before it.
    at: Offset | None = None

    @model_validator(mode="after")
    def _has_targets(self) -> Tier:
        if not (self.users or self.usergroups or self.channels or self.rotations or self.webhooks):
            raise ValueError("a tier needs at least one target: users, usergroups, channels, rotations or webhooks")
        if not self.notify:
            raise ValueError("notify needs at least one of dm, mention")
        return self


class Layer(Strict):
    """One sequence of shifts. Layers later in the list sit on top of earlier ones."""

    name: str | None = None
    members: UserIds = Field(min_length=1)
    shift: Duration
    handoff_time: Annotated[time, BeforeValidator(parse_clock)] = time(9, 0)
    handoff_weekday: Annotated[int | None, BeforeValidator(parse_weekday)] = None
    start: date = date(2026, 1, 5)  # the first shift of the first member; any past date works
    hours: Annotated[tuple[time, time] | None, BeforeValidator(parse_hours)] = None

    @field_validator("shift")
    @classmethod
    def _shift(cls, v: timedelta) -> timedelta:
        if v < timedelta(hours=1):
            raise ValueError("a shift lasts at least 1h")
        return v


class Rotation(Strict):
    timezone: str | None = None
    layers: list[Layer] = Field(min_length=1)
    # Kept in sync with whoever is on call, so people can mention @oncall-l1.
    usergroup: str | None = Field(default=None, pattern=r"^S[A-Z0-9]{2,}$")
    override_limit: Duration = timedelta(days=7)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str | None) -> str | None:
        if v is None:
            return v
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (use an IANA name such as Asia/Seoul)") from None
        return v

    @property
    def members(self) -> list[str]:
        return list(dict.fromkeys(m for layer in self.layers for m in layer.members))


Cron = Annotated[str, AfterValidator(valid_cron)]


_ROLES = ("commander", "comms", "scribe", "responder")


class ChecklistItem(Strict):
    text: str = Field(min_length=1, max_length=150)
    # A Slack user id, or an incident role (commander, comms, scribe, responder).
    owner: str | None = None
    required: bool = True

    @field_validator("owner")
    @classmethod
    def _owner(cls, v: str | None) -> str | None:
        if v is None or USER_ID.match(v) or v in _ROLES:
            return v
        raise ValueError(f"expected a Slack user id (U…) or one of {', '.join(_ROLES)}, got {v!r}")


class ChecklistSchedule(Strict):
    cron: Cron
    timezone: str | None = None
    # Where runs are posted; defaults to channels.ops.
    channel: str | None = Field(default=None, pattern=r"^[CG][A-Z0-9]{2,}$")
    due_after: Duration = timedelta(hours=2)
    business_days: BusinessDaysField = None  # true/next: a day off moves to the next working day; skip


class PlaybookPhase(Phase):
    items: list[ChecklistItem] = Field(min_length=1)


class ChecklistTemplate(Strict):
    title: str = Field(min_length=1, max_length=120)
    items: list[ChecklistItem] = Field(default_factory=list, max_length=40)
    schedule: ChecklistSchedule | None = None
    # A timed playbook: items in phases, each due at its own offset from the start (bot/policy/playbook.py).
    phases: list[PlaybookPhase] = Field(default_factory=list)

    @model_validator(mode="after")
    def _some_items(self) -> ChecklistTemplate:
        count = len(self.all_items())
        if count == 0:
            raise ValueError("needs items, or phases with items")
        if count > 40:
            raise ValueError(f"has {count} items; a checklist holds at most 40")
        return self

    def all_items(self) -> list[tuple[ChecklistItem, int | None]]:
        """Every item with the index of its phase (None outside phases): plain items first."""
        flat: list[tuple[ChecklistItem, int | None]] = [(item, None) for item in self.items]
        flat += [(item, index) for index, phase in enumerate(self.phases) for item in phase.items]
        return flat


class Reminder(Strict):
    cron: Cron
    timezone: str | None = None
    channel: str | None = Field(default=None, pattern=r"^[CG][A-Z0-9]{2,}$")  # defaults to channels.ops
    text: str = Field(min_length=1, max_length=2000)
    business_days: BusinessDaysField = None


class RecurringWindow(Strict):
    title: str = Field(min_length=1, max_length=120)
    cron: Cron
    duration: Duration
    services: list[str] = Field(default_factory=list)
    kind: str | None = None  # one of maintenance.kinds: its notice applies


class MaintenancePolicy(Strict):
    channel: str | None = Field(default=None, pattern=r"^[CG][A-Z0-9]{2,}$")
    # Seed 000: notice at least N minutes before (사전 공지 최소 N분 전).
    notice_before: Duration = timedelta(minutes=30)
    max_duration: Duration = timedelta(hours=12)
    recurring: dict[str, RecurringWindow] = Field(default_factory=dict)
    # Advance notice per kind of change (bot/policy/notices.py).
    kinds: dict[str, MaintenanceKind] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _within_limit(self) -> MaintenancePolicy:
        for name, window in self.recurring.items():
            if window.duration > self.max_duration:
                raise ValueError(f"recurring window {name} lasts {format_duration(window.duration)}, "
                                 f"longer than max_duration {format_duration(self.max_duration)}")
            if window.kind is not None and window.kind not in self.kinds:
                known = ", ".join(sorted(self.kinds)) or "none defined"
                raise ValueError(f"recurring window {name} is of kind {window.kind!r}, which maintenance.kinds "
                                 f"does not define (known: {known})")
        return self


class EscalationPolicy(Strict):
    tiers: list[Tier] = Field(min_length=1)
    repeat: int = Field(default=0, ge=0, le=10)


class SeverityPolicy(Strict):
    id: str = Field(pattern=r"^P\d$")
    name: dict[str, str]
    emoji: str = ":rotating_light:"
    ack_within: Duration
    resolve_within: Duration
    update_every: Duration | None = None
    broadcast: Broadcast = Broadcast.NONE
    escalation: str | None = None
    # Told at declare time, before any deadline (seed 001: Critical → DMs to the leads).
    notify_on_declare: Tier | None = None
    checklist: str | None = None
    # What the level means, shown in the declare form and in help (001's definitions, 004's P0–P4).
    description: dict[str, str] = Field(default_factory=dict)
    # The tier escalation starts at: its number (1 = the first) or its name (001: Critical → L3).
    escalation_start: int | str | None = None
    # false: outside the calendar's working hours, pages wait for the next working window (000: support
    # hours are not the 24/7 service).
    pages_outside_hours: bool = True

    @field_validator("name")
    @classmethod
    def _names(cls, v: dict[str, str]) -> dict[str, str]:
        missing = {"en", "ko"} - set(v)
        if missing:
            raise ValueError(f"needs a name in every language; missing {', '.join(sorted(missing))}")
        return v


class Channels(Strict):
    feed: str | None = None
    ops: str | None = None
    # A resolved incident's channel is archived this long after resolution (a notice a day before);
    # null keeps channels open. Reopening unarchives it.
    archive_after: Duration | None = timedelta(days=7)


class Permissions(Strict):
    """Who may do what. An empty list means everyone."""

    declare: list[str] = Field(default_factory=list)
    resolve: list[str] = Field(default_factory=list)
    severity: list[str] = Field(default_factory=list)
    escalate: list[str] = Field(default_factory=list)
    override: list[str] = Field(default_factory=list)
    maintenance: list[str] = Field(default_factory=list)

    @field_validator("declare", "resolve", "severity", "escalate", "override", "maintenance")
    @classmethod
    def _principals(cls, v: list[str]) -> list[str]:
        bad = [p for p in v if not (USER_ID.match(p) or GROUP_ID.match(p))]
        if bad:
            raise ValueError(f"not Slack user ids (U…) or user group ids (S…): {', '.join(bad)}")
        return v


class Policy(Strict):
    version: int = 1
    timezone: str
    severities: list[SeverityPolicy] = Field(min_length=1)
    escalation_policies: dict[str, EscalationPolicy] = Field(default_factory=dict)
    rotations: dict[str, Rotation] = Field(default_factory=dict)
    checklists: dict[str, ChecklistTemplate] = Field(default_factory=dict)
    reminders: dict[str, Reminder] = Field(default_factory=dict)
    maintenance: MaintenancePolicy = Field(default_factory=MaintenancePolicy)
    # Paged when an incident misses its resolve target.
    manager_tier: Tier | None = None
    channels: Channels = Field(default_factory=Channels)
    permissions: Permissions = Field(default_factory=Permissions)
    default_severity: str | None = None
    # Working days and hours, public holidays and company days (bot/policy/calendar.py).
    calendar: CalendarPolicy | None = None
    # Kinds of incident with their own targets, playbook, channel prefix and privacy (bot/policy/types.py).
    incident_types: dict[str, IncidentType] = Field(default_factory=dict)
    # Monitoring alerts that open, update and resolve incidents (bot/policy/alerts.py).
    alerts: AlertsPolicy | None = None
    # Post-mortem template and due times, availability targets, scheduled reports (bot/policy/postmortems.py).
    postmortems: PostmortemPolicy = Field(default_factory=PostmortemPolicy)
    reports: ReportsPolicy = Field(default_factory=ReportsPolicy)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (use an IANA name such as Asia/Seoul)") from None
        return v

    @model_validator(mode="after")
    def _references(self) -> Policy:
        ids = [s.id for s in self.severities]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"severity ids must be unique; repeated: {', '.join(duplicates)}")
        for severity in self.severities:
            if severity.escalation and severity.escalation not in self.escalation_policies:
                known = ", ".join(sorted(self.escalation_policies)) or "none defined"
                raise ValueError(
                    f"severity {severity.id} names escalation policy {severity.escalation!r}, "
                    f"which does not exist (known: {known})"
                )
        tiers = [t for chain in self.escalation_policies.values() for t in chain.tiers]
        tiers += [s.notify_on_declare for s in self.severities if s.notify_on_declare]
        if self.manager_tier:
            tiers.append(self.manager_tier)
        for tier in tiers:
            unknown = [r for r in tier.rotations if r not in self.rotations]
            if unknown:
                known = ", ".join(sorted(self.rotations)) or "none defined"
                raise ValueError(f"tier {tier.name or ''} names rotation {', '.join(unknown)}, which does not exist "
                                 f"(known: {known})")
        for severity in self.severities:
            if severity.checklist and severity.checklist not in self.checklists:
                known = ", ".join(sorted(self.checklists)) or "none defined"
                raise ValueError(f"severity {severity.id} names checklist {severity.checklist!r}, which does not exist "
                                 f"(known: {known})")
        zones = [c.schedule.timezone for c in self.checklists.values() if c.schedule and c.schedule.timezone]
        zones += [r.timezone for r in self.reminders.values() if r.timezone]
        for zone in zones:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {zone!r} (use an IANA name such as Asia/Seoul)") from None
        if self.default_severity and self.default_severity not in ids:
            raise ValueError(f"default_severity {self.default_severity!r} is not one of {', '.join(ids)}")
        unknown_alert_severities = sorted(self.alerts.severities_named() - set(ids)) if self.alerts else []
        if unknown_alert_severities:
            raise ValueError(f"alerts name severities {', '.join(unknown_alert_severities)}, "
                             f"not one of {', '.join(ids)}")
        for route in self.alerts.routes if self.alerts else []:
            if route.escalation and route.escalation not in self.escalation_policies:
                raise ValueError(f"alert route names escalation policy {route.escalation!r}, which does not exist")
            if route.rotation and route.rotation not in self.rotations:
                raise ValueError(f"alert route names rotation {route.rotation!r}, which does not exist")
        hooks = set(self.alerts.webhooks) if self.alerts else set()
        unknown_hooks = sorted({h for tier in tiers for h in tier.webhooks} - hooks)
        if unknown_hooks:
            raise ValueError(f"tiers name webhooks {', '.join(unknown_hooks)}, not defined under alerts.webhooks")
        from bot.policy.checks import check_manual_rules

        check_manual_rules(self)
        check_types(self)
        return self

    @functools.cached_property
    def work_calendar(self) -> WorkCalendar | None:
        return WorkCalendar(self.calendar, self.timezone) if self.calendar else None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def rotation_zone(self, name: str) -> ZoneInfo:
        return ZoneInfo(self.rotations[name].timezone or self.timezone)

    def zone_or_default(self, name: str | None) -> ZoneInfo:
        return ZoneInfo(name or self.timezone)

    def severity(self, severity_id: str) -> SeverityPolicy | None:
        return next((s for s in self.severities if s.id == severity_id), None)

    def escalation_for(self, severity_id: str) -> EscalationPolicy | None:
        severity = self.severity(severity_id)
        if severity is None or severity.escalation is None:
            return None
        return self.escalation_policies[severity.escalation]

    def severity_table(self) -> SeverityTable:
        table = tuple(
            Severity(
                id=s.id,
                name_en=s.name["en"],
                name_ko=s.name["ko"],
                emoji=s.emoji,
                ack_within=s.ack_within,
                resolve_within=s.resolve_within,
                broadcast=s.broadcast,
                description_en=s.description.get("en") or s.description.get("ko", ""),
                description_ko=s.description.get("ko") or s.description.get("en", ""),
            )
            for s in self.severities
        )
        return SeverityTable(table, default_id=self.default_severity)
