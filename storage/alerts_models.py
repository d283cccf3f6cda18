"""Alert intake tables: what the monitoring tools sent (stored before the 202), the alerts they carry
(de-duplicated by fingerprint), and the incident each alert group opened."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import UTCDateTime


class AlertIntake(Base):
    """One accepted request, committed before it is answered; processed after (claimed with a lease),
    so a crash between the answer and the processing loses nothing."""

    __tablename__ = "alert_intake"
    __table_args__ = (Index("ix_alert_intake_state_id", "state", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    alert_count: Mapped[int] = mapped_column(Integer, default=1)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16))  # pending, processing, done, failed
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)


class AlertGroup(Base):
    """An incident key (Alertmanager's groupKey, PagerDuty's dedup_key …) and the incident it opened."""

    __tablename__ = "alert_groups"
    __table_args__ = (UniqueConstraint("source", "group_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32))
    group_key: Mapped[str] = mapped_column(String(255))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Where the alerts' live message is (posted once per incident, then edited in place).
    live_channel: Mapped[str | None] = mapped_column(String(32))
    live_ts: Mapped[str | None] = mapped_column(String(32))
    # Set when every alert resolved and the policy asks before resolving (the prompt is posted once).
    resolve_prompted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Alert(Base):
    """One alert, de-duplicated per source by its fingerprint (else a hash of its sorted labels)."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("source", "alert_key"),
        Index("ix_alerts_group_status", "group_id", "status"),
        Index("ix_alerts_window", "suppressed_by"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32))
    alert_key: Mapped[str] = mapped_column(String(255))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("alert_groups.id", ondelete="SET NULL"))
    incident_id: Mapped[int | None] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(16))  # firing, resolved
    title: Mapped[str] = mapped_column(String(300))
    severity: Mapped[str | None] = mapped_column(String(8))
    service: Mapped[str | None] = mapped_column(String(200))
    labels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The alert as sent, unknown fields included.
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received: Mapped[int] = mapped_column(Integer, default=1)
    # The maintenance window that suppressed it (it opened nothing).
    suppressed_by: Mapped[int | None] = mapped_column(Integer)
