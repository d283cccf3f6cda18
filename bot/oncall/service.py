"""On-call: who is on call now, overrides and swaps, and handoffs fired through durable timers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.checklists.service import ChecklistService
from bot.deps import Deps, DomainService
from bot.errors import FirebellError, NotFound, SlackCallFailed, UsageError
from bot.i18n import Catalog
from bot.incidents.lifecycle import OPEN_STATUSES, Status
from bot.incidents.render import severity_label, status_label
from bot.logging import get_logger
from bot.oncall.rotations import OverrideWindow, Shift, next_handoff, on_call, upcoming
from bot.policy.schema import Rotation
from bot.scheduling.timers import Firing
from bot.scheduling.when import WhenError, parse_span_end
from bot.slack.blocks import format_duration, text_blocks
from bot.slack.text import date_token, escape
from storage.models import HandoffNotice, Incident, RotationOverride
from storage.repositories import incidents as repo

log = get_logger(__name__)

HANDOFF = "handoff"
MAX_DAYS = 31


class OnCallService(DomainService):
    def __init__(self, deps: Deps, *, checklists: ChecklistService) -> None:
        super().__init__(deps)
        self.checklists = checklists
        self.timers.on(HANDOFF, self.fire_handoff)

    # --- reading the schedule ------------------------------------------------------------------------

    def rotation(self, name: str) -> tuple[Rotation, ZoneInfo]:
        rotations = self.policy.policy.rotations
        if name not in rotations:
            known = ", ".join(sorted(rotations)) or "—"
            raise NotFound("error.unknown_rotation", name=escape(name[:40]), known=known)
        return rotations[name], self.policy.policy.rotation_zone(name)

    async def overrides(self, name: str, start: datetime, end: datetime) -> list[OverrideWindow]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(RotationOverride).where(
                    RotationOverride.rotation == name,
                    RotationOverride.cancelled_at.is_(None),
                    RotationOverride.ends_at > start,
                    RotationOverride.starts_at < end,
                ).order_by(RotationOverride.starts_at)
            )
            return [OverrideWindow(o.id, o.user_id, o.starts_at, o.ends_at) for o in rows.scalars()]

    async def current(self, name: str, at: datetime | None = None) -> Shift:
        rotation, zone = self.rotation(name)
        at = at or self.clock.now()
        return on_call(rotation, zone, at, await self.overrides(name, at - timedelta(days=MAX_DAYS),
                                                                at + timedelta(days=MAX_DAYS)))

    async def upcoming(self, name: str, days: int) -> list[Shift]:
        rotation, zone = self.rotation(name)
        now = self.clock.now()
        end = now + timedelta(days=days)
        return upcoming(rotation, zone, now, end, await self.overrides(name, now, end))

    async def next_handoff(self, name: str) -> Shift | None:
        rotation, zone = self.rotation(name)
        now = self.clock.now()
        return next_handoff(rotation, zone, now, await self.overrides(name, now, now + timedelta(days=62)))

    async def shifts_of(self, user_id: str, days: int = 14) -> list[tuple[str, Shift]]:
        mine: list[tuple[str, Shift]] = []
        for name in self.policy.policy.rotations:
            mine.extend((name, shift) for shift in await self.upcoming(name, days) if shift.user_id == user_id)
        return sorted(mine, key=lambda item: item[1].starts_at)

    # --- overrides and swaps --------------------------------------------------------------------------

    async def add_override(self, name: str, user_id: str, span: list[str], actor: str) -> RotationOverride:
        await self.access.require("override", actor)
        rotation, zone = self.rotation(name)
        if user_id not in rotation.members:
            raise UsageError("error.not_a_member", "usage.oncall_override", user=user_id, rotation=name)
        now = self.clock.now()
        try:
            ends_at = parse_span_end(span, now, zone)
        except WhenError:
            raise UsageError("error.bad_span", "usage.oncall_override", value=escape(" ".join(span)[:60])) from None
        if ends_at <= now:
            raise UsageError("error.override_in_past", "usage.oncall_override", when=date_token(ends_at))
        if ends_at - now > rotation.override_limit:
            raise UsageError("error.override_too_long", "usage.oncall_override",
                             limit=format_duration(self.t, rotation.override_limit))
        return (await self._insert_overrides(name, [(user_id, now, ends_at)], actor, swap_ref=None))[0]

    async def _insert_overrides(
        self, name: str, windows: list[tuple[str, datetime, datetime]], actor: str, swap_ref: str | None
    ) -> list[RotationOverride]:
        now = self.clock.now()
        created: list[RotationOverride] = []
        async with self.sessions.begin() as session:
            for user_id, starts_at, ends_at in windows:
                clash = await session.execute(
                    select(RotationOverride).where(
                        RotationOverride.rotation == name, RotationOverride.cancelled_at.is_(None),
                        RotationOverride.ends_at > starts_at, RotationOverride.starts_at < ends_at,
                    ).with_for_update()
                )
                existing = clash.scalars().first()
                if existing is not None:
                    raise FirebellError("error.override_overlaps", id=existing.id, user=existing.user_id,
                                        start=date_token(existing.starts_at), end=date_token(existing.ends_at))
                override = RotationOverride(rotation=name, user_id=user_id, starts_at=starts_at, ends_at=ends_at,
                                            created_by=actor, created_at=now, swap_ref=swap_ref)
                session.add(override)
                await session.flush()
                created.append(override)
                # Each edge of an override is a handoff.
                for edge in (starts_at, ends_at):
                    await self.timers.schedule(HANDOFF, edge, {"rotation": name},
                                               dedupe_key=f"handoff:{name}:{edge.isoformat()}", session=session)
        return created

    async def remove_override(self, override_id: int, actor: str) -> RotationOverride:
        await self.access.require("override", actor)
        async with self.sessions.begin() as session:
            override = await session.get(RotationOverride, override_id)
            if override is None or override.cancelled_at is not None:
                raise NotFound("error.override_not_found", id=override_id)
            override.cancelled_at = self.clock.now()
            if override.swap_ref:
                await session.execute(
                    update(RotationOverride)
                    .where(RotationOverride.swap_ref == override.swap_ref, RotationOverride.cancelled_at.is_(None))
                    .values(cancelled_at=self.clock.now())
                    .execution_options(synchronize_session=False)
                )
        return override

    async def swap(self, name: str, first: str, second: str, actor: str) -> list[RotationOverride]:
        """Each takes the other's next shift."""
        await self.access.require("override", actor)
        rotation, _zone = self.rotation(name)
        for user in (first, second):
            if user not in rotation.members:
                raise UsageError("error.not_a_member", "usage.oncall_swap", user=user, rotation=name)
        if first == second:
            raise UsageError("error.swap_same", "usage.oncall_swap")
        shifts = await self.upcoming(name, MAX_DAYS)
        first_shift = next((s for s in shifts if s.user_id == first), None)
        second_shift = next((s for s in shifts if s.user_id == second), None)
        if first_shift is None or second_shift is None:
            missing = first if first_shift is None else second
            raise UsageError("error.no_upcoming_shift", "usage.oncall_swap", user=missing, days=MAX_DAYS)
        return await self._insert_overrides(
            name,
            [(second, first_shift.starts_at, first_shift.ends_at),
             (first, second_shift.starts_at, second_shift.ends_at)],
            actor,
            swap_ref=uuid.uuid4().hex[:16],
        )

    async def list_overrides(self, name: str) -> list[RotationOverride]:
        self.rotation(name)
        async with self.sessions() as session:
            rows = await session.execute(
                select(RotationOverride).where(
                    RotationOverride.rotation == name, RotationOverride.cancelled_at.is_(None),
                    RotationOverride.ends_at > self.clock.now(),
                ).order_by(RotationOverride.starts_at)
            )
            return list(rows.scalars())

    # --- handoffs ---------------------------------------------------------------------------------------

    async def ensure_handoff_timers(self) -> int:
        """Every rotation has its next handoff scheduled (idempotent: keyed by rotation and time)."""
        scheduled = 0
        for name in self.policy.policy.rotations:
            incoming = await self.next_handoff(name)
            if incoming is not None and await self.timers.schedule(
                HANDOFF, incoming.starts_at, {"rotation": name},
                dedupe_key=f"handoff:{name}:{incoming.starts_at.isoformat()}",
            ):
                scheduled += 1
        return scheduled

    async def fire_handoff(self, firing: Firing) -> str:
        name = str(firing.payload.get("rotation", ""))
        if name not in self.policy.policy.rotations:
            return "skipped_unknown_rotation"
        now = self.clock.now()
        boundary = firing.due_at
        if now > boundary:
            # Late (the bot was down): announce only the latest change, not every missed one.
            rotation, zone = self.rotation(name)
            missed = upcoming(rotation, zone, boundary, now, await self.overrides(name, boundary, now))
            if len(missed) > 1:
                boundary = missed[-1].starts_at
        outgoing = await self.current(name, boundary - timedelta(seconds=1))
        incoming = await self.current(name, boundary)
        outcome = "no_change"
        if outgoing.user_id != incoming.user_id and await self._claim_notice(name, boundary, outgoing, incoming):
            await self._announce_handoff(name, outgoing, incoming, late=firing.late)
            await self._sync_usergroup(name, incoming)
            outcome = "handed_off"
        following = await self.next_handoff(name)
        if following is not None:
            await self.timers.schedule(HANDOFF, following.starts_at, {"rotation": name},
                                       dedupe_key=f"handoff:{name}:{following.starts_at.isoformat()}")
        return outcome

    async def _claim_notice(self, name: str, boundary: datetime, outgoing: Shift, incoming: Shift) -> bool:
        """Exactly one announcement per rotation and boundary, whichever timer or process gets here."""
        try:
            async with self.sessions.begin() as session:
                session.add(HandoffNotice(rotation=name, boundary=boundary, outgoing=outgoing.user_id,
                                          incoming=incoming.user_id, announced_at=self.clock.now()))
        except IntegrityError:
            return False
        return True

    async def handoff_summary(self, outgoing: str | None) -> str:
        async with self.sessions() as session:
            open_incidents = await repo.list_incidents(session=session, statuses=[s.value for s in OPEN_STATUSES])
        lines: list[str] = []
        if not open_incidents:
            lines.append(self.t("handoff.no_incidents"))
        now = self.clock.now()
        for incident in open_incidents:
            lines.append(self._incident_line(incident, now))
        commanded = [i for i in open_incidents if outgoing and i.commander_id == outgoing]
        if commanded:
            lines.append(self.t("handoff.commanded", user=outgoing or "",
                                numbers=", ".join(f"#{i.id}" for i in commanded)))
        unacknowledged = [i for i in open_incidents if i.status in (Status.DECLARED, Status.REOPENED)]
        if unacknowledged:
            lines.append(self.t("handoff.unacknowledged", numbers=", ".join(f"#{i.id}" for i in unacknowledged)))
        open_checklists = await self.checklists.open_items_summary()
        if open_checklists:
            lines.append(self.t("handoff.checklists"))
            lines.extend(open_checklists)
        return "\n".join(lines)

    def _incident_line(self, incident: Incident, now: datetime) -> str:
        return self.t(
            "handoff.incident", number=incident.id,
            severity=severity_label(self.t, self.policy.severities, incident.severity),
            title=escape(incident.title[:80]), status=status_label(self.t, incident.status),
            age=format_duration(self.t, now - incident.declared_at),
        )

    async def _announce_handoff(self, name: str, outgoing: Shift, incoming: Shift, *, late: bool) -> None:
        summary = await self.handoff_summary(outgoing.user_id)
        until = date_token(incoming.ends_at)
        who_out = f"<@{outgoing.user_id}>" if outgoing.user_id else self.t("oncall.nobody")
        who_in = f"<@{incoming.user_id}>" if incoming.user_id else self.t("oncall.nobody")
        header = self.t("handoff.header", rotation=name, outgoing=who_out, incoming=who_in, until=until)
        if late:
            header += "\n" + self.t("handoff.late")
        text = f"{header}\n{summary}"
        targets = [u for u in (outgoing.user_id, incoming.user_id) if u]
        ops = self.policy.policy.channels.ops
        for target in [*targets, *([ops] if ops else [])]:
            try:
                await self.notifier.post(target, text, text_blocks(text))
            except SlackCallFailed as exc:
                log.warning("handoff_not_delivered", rotation=name, target=target, code=exc.code)

    async def _sync_usergroup(self, name: str, incoming: Shift) -> None:
        rotation = self.policy.policy.rotations[name]
        if rotation.usergroup is None or incoming.user_id is None:
            return
        try:
            await self.notifier.set_usergroup_members(rotation.usergroup, [incoming.user_id])
        except SlackCallFailed as exc:
            log.warning("usergroup_sync_failed", rotation=name, group=rotation.usergroup, code=exc.code)

    async def who(self, name: str) -> str | None:
        """For escalation: the person on call right now, or None (unknown rotation, gap)."""
        if name not in self.policy.policy.rotations:
            return None
        return (await self.current(name)).user_id


def shifts_text(t: Catalog, shifts: Sequence[Shift]) -> list[str]:
    return [
        t("oncall.shift", user=f"<@{s.user_id}>" if s.user_id else t("oncall.nobody"),
          start=date_token(s.starts_at), end=date_token(s.ends_at),
          note=t("oncall.override_note") if s.source.startswith("override") else "")
        for s in shifts
    ]
