"""Tables of post-mortems, action items and report snapshots (issue 12), on the shared `Base`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, Incident, Page
from storage.types import UTCDateTime


class Postmortem(Base):
    """One per incident: created at resolution, regenerated on request, published with a link."""

    __tablename__ = "postmortems"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # draft, in_review, published
    link: Mapped[str | None] = mapped_column(String(500))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Each generation uploads a new file; the revision names its outbox delivery.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    file_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by: Mapped[str | None] = mapped_column(String(32))


class ActionItem(Base):
    __tablename__ = "action_items"
    __table_args__ = (
        Index("ix_action_items_owner_status", "owner_id", "status"),
        Index("ix_action_items_status_due", "status", "due_at"),
        Index("ix_action_items_incident", "incident_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    owner_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))  # open, done
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by: Mapped[str | None] = mapped_column(String(32))


class ReportSnapshot(Base):
    """A report as it was posted: its headline numbers (for the App Home) and its chart series."""

    __tablename__ = "report_snapshots"
    __table_args__ = (Index("ix_report_snapshots_created", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    headline: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A scheduled report is made once per occurrence, whichever process fires it.
    occurrence_key: Mapped[str | None] = mapped_column(String(200), unique=True)


# Reports read incidents by when they were declared, from this index alone (it covers what they compute);
# downtime also needs the ones resolved after a window starts, or still open.
_columns = Incident.__table__.c
Index("ix_incidents_report", _columns.declared_at, _columns.severity, _columns.service, _columns.status,
      _columns.time_to_ack_seconds, _columns.time_to_resolve_seconds, _columns.mitigated_at, _columns.resolved_at)
Index("ix_incidents_resolved_at", _columns.resolved_at)
# Pages per person in a period.
Index("ix_pages_at", Page.__table__.c.at)
