"""The audit log (append-only: the application only inserts; triggers refuse updates and deletes) and the
record of the policy in force across replicas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import UTCDateTime


class AuditEntry(Base):
    """One state change, permission denial, policy load or override: who, when, what, before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_incident", "incident_id", "at"),
        Index("ix_audit_log_actor", "actor", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    incident_id: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(String(255))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    replica: Mapped[str | None] = mapped_column(String(200))


class PolicyLoad(Base):
    """A policy some process or `firebell policy reload` offered: accepted (then in force for every replica,
    newest first) or refused with its problems. Replicas load the accepted content from here, not from their
    own copy of the file, so all of them run the same policy."""

    __tablename__ = "policy_loads"
    __table_args__ = (Index("ix_policy_loads_state_id", "state", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    loaded_by: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(500))
    hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # accepted, refused
    content: Mapped[str | None] = mapped_column(Text)
    problems: Mapped[list[str] | None] = mapped_column(JSON)
