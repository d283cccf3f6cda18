"""Adding a Slack message to an incident's timeline: the message shortcut "Add to incident timeline" and a
:pushpin: reaction in the incident channel record the message's author, time, text and permalink, once
per message however many people pin it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.errors import FirebellError
from bot.incidents.service import IncidentService
from bot.slack.text import clip
from storage.models import Incident
from storage.repositories import incident_types as types_repo
from storage.repositories import incidents as repo

PIN_REACTIONS = frozenset({"pushpin", "round_pushpin"})
TEXT_LIMIT = 1000


class TimelinePins:
    def __init__(self, service: IncidentService) -> None:
        self.service = service

    async def incident_for(self, channel_id: str | None) -> Incident:
        incident = await self.service.by_channel(channel_id) if channel_id else None
        if incident is None:
            raise FirebellError("error.pin_not_incident_channel")
        return incident

    async def record(self, incident: Incident, *, ts: str, message: dict[str, Any], actor: str) -> bool:
        """The message on the timeline (False when it is there already)."""
        try:
            posted_at = datetime.fromtimestamp(float(ts), tz=UTC)
        except ValueError:
            raise FirebellError("error.pin_bad_message") from None
        async with self.service.sessions.begin() as session:
            if await types_repo.pinned(incident.id, ts, session=session):
                return False
            await repo.add_timeline(incident.id, session=session, at=self.service.clock.now(), actor_id=actor,
                                    kind="pinned", data={
                                        "ts": ts, "author": str(message.get("user") or "?"),
                                        "posted_at": posted_at.isoformat(),
                                        "text": clip(str(message.get("text") or ""), TEXT_LIMIT),
                                        "link": message.get("permalink") or "",
                                    })
        return True
