"""Typed ORM models. Relationships load explicitly (lazy="raise"): no hidden I/O."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime


class Base(DeclarativeBase):
    pass


class Incident(Base):
    __tablename__ = "incidents"

    # The primary key doubles as the human incident number: unique across processes for free.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), index=True)
    # The policy's incident_types key (bot/policy/types.py); None is the default type. Migration 0009.
    incident_type: Mapped[str | None] = mapped_column(String(32))
    service: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    declared_by: Mapped[str] = mapped_column(String(32))
    commander_id: Mapped[str | None] = mapped_column(String(32))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
    mitigated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(32))
    resolution_summary: Mapped[str | None] = mapped_column(Text)
    last_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Stored at the first acknowledgement / last resolution, for reports.
    time_to_ack_seconds: Mapped[int | None] = mapped_column(Integer)
    time_to_resolve_seconds: Mapped[int | None] = mapped_column(Integer)
    # Slack places: the incident channel with its live summary, and the feed announcement.
    channel_id: Mapped[str | None] = mapped_column(String(32), index=True)
    channel_name: Mapped[str | None] = mapped_column(String(80))
    summary_ts: Mapped[str | None] = mapped_column(String(32))
    feed_channel_id: Mapped[str | None] = mapped_column(String(32))
    feed_ts: Mapped[str | None] = mapped_column(String(32))
    # The Slack request that declared it: a retried request finds it instead of declaring again.
    request_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The escalation chain as it was when escalation started: edits to the policy do not change
    # an escalation under way (the way Grafana OnCall snapshots its chains).
    escalation_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Tiers paged in the current round, so "escalate" knows which tier is next.
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalation_round: Mapped[int] = mapped_column(Integer, default=0)


class IncidentRole(Base):
    __tablename__ = "incident_roles"
    __table_args__ = (UniqueConstraint("incident_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TimelineEntry(Base):
    __tablename__ = "timeline_entries"
    __table_args__ = (Index("ix_timeline_incident_at", "incident_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    # Parameters for the catalog text, so the timeline renders in any locale later.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ProcessedRequest(Base):
    """Slack requests already handled, keyed by a stable id; retries are recognised here."""

    __tablename__ = "processed_requests"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ScheduledJob(Base):
    """Work due later: a row with a due time, claimed atomically by one scheduler tick."""

    __tablename__ = "scheduled_jobs"
    __table_args__ = (
        Index("ix_jobs_state_due", "state", "due_at"),
        Index("ix_jobs_state_lease", "state", "lease_until"),
        Index("ix_jobs_incident_state", "incident_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16))  # pending, claimed, done, cancelled
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    incident_id: Mapped[int | None] = mapped_column(Integer)
    # Scheduling the same thing twice (a retried request) is a no-op.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)


class Page(Base):
    """One notification to one target. The idempotency key makes a retried firing page nobody twice."""

    __tablename__ = "pages"
    __table_args__ = (Index("ix_pages_incident", "incident_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(250), unique=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(32))  # escalation, declare, manager, nudge
    tier: Mapped[int | None] = mapped_column(Integer)
    target: Mapped[str] = mapped_column(String(64))
    via: Mapped[str] = mapped_column(String(16))  # dm, mention, channel
    status: Mapped[str] = mapped_column(String(16))  # queued, sent, failed
    reason: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime())  # when it was owed
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # How late Slack accepted it, when an outage held it back; the commander is told once.
    delayed_seconds: Mapped[int | None] = mapped_column(Integer)
    delay_told: Mapped[bool] = mapped_column(Boolean, default=False)


class RotationOverride(Base):
    """Someone covers a rotation for a while; beats the schedule while it lasts."""

    __tablename__ = "rotation_overrides"
    __table_args__ = (Index("ix_overrides_rotation_window", "rotation", "ends_at", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rotation: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A swap is two overrides made together; they share this reference.
    swap_ref: Mapped[str | None] = mapped_column(String(32))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class HandoffNotice(Base):
    """One announced handoff per rotation and moment: late or repeated timers announce it once."""

    __tablename__ = "handoff_notices"
    __table_args__ = (UniqueConstraint("rotation", "boundary"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rotation: Mapped[str] = mapped_column(String(64))
    boundary: Mapped[datetime] = mapped_column(UTCDateTime())
    outgoing: Mapped[str | None] = mapped_column(String(32))
    incoming: Mapped[str | None] = mapped_column(String(32))
    announced_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChecklistRun(Base):
    """One run of a checklist: its items are snapshotted so template edits do not change it."""

    __tablename__ = "checklist_runs"
    __table_args__ = (Index("ix_checklist_runs_template_started", "template", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    template: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(150))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    incident_id: Mapped[int | None] = mapped_column(Integer, index=True)
    started_by: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16), index=True)  # open, completed, closed
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by: Mapped[str | None] = mapped_column(String(32))
    # A scheduled run is created once per occurrence, whichever process fires it.
    occurrence_key: Mapped[str | None] = mapped_column(String(200), unique=True)


class ChecklistItemState(Base):
    """One row per item: people checking different items never overwrite each other."""

    __tablename__ = "checklist_item_states"
    __table_args__ = (UniqueConstraint("run_id", "item_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("checklist_runs.id", ondelete="CASCADE"))
    item_index: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))  # open, done, na
    by: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(String(500))


class ChecklistEvent(Base):
    """The run's history: who checked, unchecked or marked what, and when."""

    __tablename__ = "checklist_events"
    __table_args__ = (Index("ix_checklist_events_run", "run_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("checklist_runs.id", ondelete="CASCADE"))
    item_index: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))  # started, done, undone, na, completed, overdue
    by: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(String(500))


class MaintenanceWindow(Base):
    __tablename__ = "maintenance_windows"
    __table_args__ = (Index("ix_maintenance_window_time", "state", "starts_at", "ends_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(150))
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16))  # scheduled, cancelled
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cancelled_by: Mapped[str | None] = mapped_column(String(32))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Recurring windows from the policy are created once per occurrence.
    occurrence_key: Mapped[str | None] = mapped_column(String(200), unique=True)


class Delivery(Base):
    """One Slack effect Firebell owes, written in the same transaction as the change that causes it.

    `key` names what it is (`page:…`, `live:incident 7`), so the same effect is owed once. The outbox
    worker moves `pending` → `sending` (with a lease) → `sent` or `failed`; a transient failure goes
    back to `pending` with a later `next_attempt_at`.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_state_next", "state", "next_attempt_at"),
        Index("ix_deliveries_incident", "incident_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    incident_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # What earlier steps produced (a channel id, a message ts): a resumed delivery starts after them.
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16))  # pending, sending, sent, failed
    # Bumped by every coalesced change, so a delivery that rendered an older state goes again.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(200))
import storage.alerts_models  # noqa: E402  (alert intake tables, same Base)
import storage.audit_models  # noqa: E402  (audit log, policy loads; same Base)
import storage.postmortems_models  # noqa: E402,F401  (post-mortems, action items, reports; same Base)
