"""On-call: who is on call now, overrides and swaps, and handoffs fired through durable timers.

A handoff owes its DMs, its ops post and the user-group sync through the outbox in the transaction that
records it. The sync is one coalesced delivery per user group (`usergroup:{group}`) that sets whoever is
on call when it is delivered, so a sync that failed, or was overtaken by another change, ends right.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.checklists.service import ChecklistService
from bot.deps import Deps, DomainService
from bot.errors import FirebellError, NotFound, UsageError
from bot.incidents.lifecycle import OPEN_STATUSES
from bot.logging import get_logger
from bot.oncall import rotations
from bot.oncall.cover import CoverRequests
from bot.oncall.render import handoff_summary, handoff_text
from bot.oncall.rotations import OverrideWindow, RotationNow, Shift
from bot.policy.schema import Rotation
from bot.scheduling.timers import Firing
from bot.scheduling.when import WhenError, parse_span_end
from bot.slack.blocks import format_duration, text_blocks
from bot.slack.deliveries import POST, post_payload
from bot.slack.outbox import Owed, Steps
from bot.slack.text import date_token, escape
from storage.models import Incident, RotationOverride
from storage.repositories import incidents as incidents_repo
from storage.repositories import oncall as repo

log = get_logger(__name__)

HANDOFF = "handoff"
USERGROUP_SYNC = "usergroup_sync"
MAX_DAYS = 31
MY_SHIFTS_DAYS = 14
# How far ahead to look for the next change of person (a long shift, or overrides, can push it out).
HANDOFF_HORIZON = timedelta(days=62)


class OnCallService(DomainService):
    """Reads take one session per call; each change, and each handoff timer, is one transaction."""

    def __init__(self, deps: Deps, *, checklists: ChecklistService) -> None:
        super().__init__(deps)
        self.checklists = checklists
        self.timers.on(HANDOFF, self.fire_handoff)
        self.outbox.on(USERGROUP_SYNC, self.deliver_usergroup)
        self.cover = CoverRequests(self)  # /oncall cover and its "I'll take it" button

    # --- reading the schedule ------------------------------------------------------------------------

    def rotation(self, name: str) -> tuple[Rotation, ZoneInfo]:
        configured = self.policy.policy.rotations
        if name not in configured:
            known = ", ".join(sorted(configured)) or "—"
            raise NotFound("error.unknown_rotation", name=escape(name[:40]), known=known)
        return configured[name], self.policy.policy.rotation_zone(name)

    async def _overrides(
        self, session: AsyncSession, name: str, start: datetime, end: datetime
    ) -> list[OverrideWindow]:
        rows = await repo.overrides_overlapping(name, session=session, start=start, end=end)
        return [OverrideWindow(o.id, o.user_id, o.starts_at, o.ends_at) for o in rows]

    async def _current(self, session: AsyncSession, name: str, at: datetime) -> Shift:
        rotation, zone = self.rotation(name)
        # Overrides around `at`: one that covers it, or one starting soon that ends its slot.
        overrides = await self._overrides(session, name, at - timedelta(days=MAX_DAYS), at + timedelta(days=MAX_DAYS))
        return rotations.on_call(rotation, zone, at, overrides)

    async def _upcoming(self, session: AsyncSession, name: str, start: datetime, end: datetime) -> list[Shift]:
        rotation, zone = self.rotation(name)
        return rotations.upcoming(rotation, zone, start, end, await self._overrides(session, name, start, end))

    async def _next_handoff(self, session: AsyncSession, name: str, at: datetime) -> Shift | None:
        rotation, zone = self.rotation(name)
        overrides = await self._overrides(session, name, at, at + HANDOFF_HORIZON)
        return rotations.next_handoff(rotation, zone, at, overrides, horizon=HANDOFF_HORIZON)

    async def current(self, name: str, at: datetime | None = None) -> Shift:
        async with self.sessions() as session:
            return await self._current(session, name, at or self.clock.now())

    async def upcoming(self, name: str, days: int) -> list[Shift]:
        now = self.clock.now()
        async with self.sessions() as session:
            return await self._upcoming(session, name, now, now + timedelta(days=days))

    async def who_is_on(self) -> list[RotationNow]:
        """Every rotation: who is on call now and the next handoff."""
        now = self.clock.now()
        async with self.sessions() as session:
            return [RotationNow(name, await self._current(session, name, now),
                                await self._next_handoff(session, name, now))
                    for name in self.policy.policy.rotations]

    async def shifts_of(self, user_id: str, days: int = MY_SHIFTS_DAYS) -> list[tuple[str, Shift]]:
        now = self.clock.now()
        mine: list[tuple[str, Shift]] = []
        async with self.sessions() as session:
            for name in self.policy.policy.rotations:
                shifts = await self._upcoming(session, name, now, now + timedelta(days=days))
                mine.extend((name, shift) for shift in shifts if shift.user_id == user_id)
        return sorted(mine, key=lambda item: item[1].starts_at)

    async def who(self, name: str) -> str | None:
        """For escalation: the person on call right now, or None (unknown rotation, gap)."""
        if name not in self.policy.policy.rotations:
            return None
        return (await self.current(name)).user_id

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
        async with self.sessions.begin() as session:
            created = await self._add_overrides(session, name, [(user_id, now, ends_at)], actor, swap_ref=None)
        return created[0]

    async def _add_overrides(
        self, session: AsyncSession, name: str, windows: list[tuple[str, datetime, datetime]], actor: str,
        swap_ref: str | None,
    ) -> list[RotationOverride]:
        """Overrides and their handoff timers, in the caller's transaction; refused if one overlaps another."""
        now = self.clock.now()
        created: list[RotationOverride] = []
        for user_id, starts_at, ends_at in windows:
            clashes = await repo.overrides_overlapping(name, session=session, start=starts_at, end=ends_at, lock=True)
            if clashes:
                existing = clashes[0]
                raise FirebellError("error.override_overlaps", id=existing.id, user=existing.user_id,
                                    start=date_token(existing.starts_at), end=date_token(existing.ends_at))
            override = await repo.add_override(session=session, rotation=name, user_id=user_id, starts_at=starts_at,
                                               ends_at=ends_at, created_by=actor, created_at=now, swap_ref=swap_ref)
            created.append(override)
            await audit.record(session, at=now, actor=actor, action="oncall.override", subject=name,
                               after={"id": override.id, "user": user_id, "starts": starts_at.isoformat(),
                                      "ends": ends_at.isoformat(), "swap": swap_ref})
            # Each edge of an override is a handoff.
            for edge in (starts_at, ends_at):
                await self._schedule_handoff(session, name, edge)
        return created

    async def remove_override(self, override_id: int, actor: str) -> RotationOverride:
        await self.access.require("override", actor)
        now = self.clock.now()
        async with self.sessions.begin() as session:
            override = await repo.get_override(override_id, session=session)
            if override is None or override.cancelled_at is not None:
                raise NotFound("error.override_not_found", id=override_id)
            override.cancelled_at = now
            await audit.record(session, at=now, actor=actor, action="oncall.override_removed",
                               subject=override.rotation, before={"id": override.id, "user": override.user_id})
            if override.swap_ref:
                await repo.cancel_swap(override.swap_ref, session=session, at=now)
            # Whoever the override stood in for may be on call again now.
            await self._owe_usergroup_sync(session, override.rotation)
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
        now = self.clock.now()
        # The shifts are read in the transaction that writes the swap, so both see the same overrides.
        async with self.sessions.begin() as session:
            shifts = await self._upcoming(session, name, now, now + timedelta(days=MAX_DAYS))
            first_shift = next((s for s in shifts if s.user_id == first), None)
            second_shift = next((s for s in shifts if s.user_id == second), None)
            if first_shift is None or second_shift is None:
                missing = first if first_shift is None else second
                raise UsageError("error.no_upcoming_shift", "usage.oncall_swap", user=missing, days=MAX_DAYS)
            return await self._add_overrides(
                session,
                name,
                [(second, first_shift.starts_at, first_shift.ends_at),
                 (first, second_shift.starts_at, second_shift.ends_at)],
                actor,
                swap_ref=uuid.uuid4().hex[:16],
            )

    async def list_overrides(self, name: str) -> Sequence[RotationOverride]:
        """Current and coming overrides of a rotation."""
        self.rotation(name)
        async with self.sessions() as session:
            return await repo.overrides_overlapping(name, session=session, start=self.clock.now())

    # --- handoffs ---------------------------------------------------------------------------------------

    async def _schedule_handoff(self, session: AsyncSession, name: str, at: datetime) -> bool:
        """A handoff timer, once per rotation and moment however often it is asked for."""
        job = await self.timers.schedule(HANDOFF, at, {"rotation": name},
                                         dedupe_key=f"handoff:{name}:{at.isoformat()}", session=session)
        return job is not None

    async def ensure_handoff_timers(self) -> int:
        """Every rotation has its next handoff scheduled (idempotent: keyed by rotation and time)."""
        scheduled = 0
        now = self.clock.now()
        async with self.sessions.begin() as session:
            for name in self.policy.policy.rotations:
                incoming = await self._next_handoff(session, name, now)
                if incoming is not None and await self._schedule_handoff(session, name, incoming.starts_at):
                    scheduled += 1
        return scheduled

    async def fire_handoff(self, firing: Firing) -> str:
        name = str(firing.payload.get("rotation", ""))
        if name not in self.policy.policy.rotations:
            return "skipped_unknown_rotation"
        now = self.clock.now()
        # Decide, claim the announcement, owe it and schedule the next handoff in one transaction.
        async with self.sessions.begin() as session:
            boundary = firing.due_at
            if now > boundary:
                # Late (the bot was down): announce only the latest change, not every missed one.
                missed = await self._upcoming(session, name, boundary, now)
                if len(missed) > 1:
                    boundary = missed[-1].starts_at
            outgoing = await self._current(session, name, boundary - timedelta(seconds=1))
            incoming = await self._current(session, name, boundary)
            # Exactly one announcement per rotation and boundary, whichever timer or process gets here.
            handed_off = outgoing.user_id != incoming.user_id and await repo.claim_handoff_notice(
                session=session, rotation=name, boundary=boundary, outgoing=outgoing.user_id,
                incoming=incoming.user_id, at=now)
            if handed_off:
                await self._owe_handoff(session, name, boundary, outgoing, incoming, late=firing.late)
                await self._owe_usergroup_sync(session, name)
            following = await self._next_handoff(session, name, now)
            if following is not None:
                await self._schedule_handoff(session, name, following.starts_at)
        return "handed_off" if handed_off else "no_change"

    async def _owe_handoff(
        self, session: AsyncSession, name: str, boundary: datetime, outgoing: Shift, incoming: Shift, *, late: bool
    ) -> None:
        """The handoff summary to both people and the ops channel, once per rotation, boundary and target."""
        # Every open incident: the incoming person inherits all of them, not the newest 50.
        open_incidents: Sequence[Incident] = await incidents_repo.list_incidents(
            session=session, statuses=[s.value for s in OPEN_STATUSES], limit=None)
        summary = handoff_summary(self.t, self.policy.severities, open_incidents, outgoing.user_id,
                                  await self.checklists.open_items_summary(session=session), self.clock.now())
        text = handoff_text(self.t, name, outgoing, incoming, summary, late=late)
        targets = [u for u in (outgoing.user_id, incoming.user_id) if u]
        ops = self.policy.policy.channels.ops
        for target in [*targets, *([ops] if ops else [])]:
            await self.outbox.owe(session, f"handoff:{name}:{boundary.isoformat()}:{target}", POST,
                                  post_payload(target, text, text_blocks(text)))

    # --- the rotation's user group ---------------------------------------------------------------------

    async def _owe_usergroup_sync(self, session: AsyncSession, name: str) -> None:
        rotation = self.policy.policy.rotations.get(name)  # an override may outlive its rotation in the policy
        group = rotation.usergroup if rotation is not None else None
        if group is not None:
            await self.outbox.owe(session, f"usergroup:{group}", USERGROUP_SYNC, {"group": group}, coalesce=True)

    async def deliver_usergroup(self, owed: Owed, steps: Steps) -> None:
        """Set the group to whoever is on call now in the rotations that use it. With nobody on call the
        group keeps its members (Slack refuses an empty group) until the next handoff."""
        group = str(owed.payload["group"])
        now = self.clock.now()
        members: list[str] = []
        async with self.sessions() as session:
            for name, rotation in self.policy.policy.rotations.items():
                if rotation.usergroup == group:
                    user = (await self._current(session, name, now)).user_id
                    if user and user not in members:
                        members.append(user)
        if members:
            await self.outbox.notifier.set_usergroup_members(group, members)
        else:
            log.info("usergroup_sync_skipped", group=group, reason="nobody_on_call")
