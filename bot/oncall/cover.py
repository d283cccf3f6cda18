"""`/oncall cover`: ask for someone to take a shift. The request is posted with an "I'll take it" button;
the first member of the rotation who presses it gets an override for that span. Later presses find the
span taken (overrides never overlap) and are told who took it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, SectionBlock

from bot.errors import FirebellError, UsageError
from bot.oncall.commands import CoverRequest
from bot.scheduling.when import WhenError, parse_moment
from bot.slack import ids
from bot.slack.blocks import format_duration
from bot.slack.deliveries import POST, post_payload
from bot.slack.text import date_token, escape
from storage.repositories import oncall as repo

if TYPE_CHECKING:
    from bot.oncall.service import OnCallService


class CoverRequests:
    def __init__(self, oncall: OnCallService) -> None:
        self.oncall = oncall
        self.t = oncall.t

    def _rotation_of(self, actor: str, name: str | None) -> str:
        rotations = self.oncall.policy.policy.rotations
        if name is not None:
            self.oncall.rotation(name)  # unknown → NotFound with the known ones
            return name
        mine = [n for n, r in rotations.items() if actor in r.members]
        if len(mine) != 1:
            raise UsageError("error.cover_which_rotation", "usage.oncall_cover", known=", ".join(sorted(rotations))
                             or "—")
        return mine[0]

    def _moment(self, text: str, now: datetime, zone: Any) -> datetime:
        try:
            return parse_moment(text.replace("T", " "), now, zone)
        except WhenError:
            raise UsageError("error.bad_time", "usage.oncall_cover", value=escape(text[:40])) from None

    async def ask(self, command: CoverRequest, actor: str, channel: str | None) -> str:
        name = self._rotation_of(actor, command.rotation)
        rotation, zone = self.oncall.rotation(name)
        now = self.oncall.clock.now()
        start, end = self._moment(command.start, now, zone), self._moment(command.end, now, zone)
        if end <= start or end <= now:
            raise UsageError("error.cover_span", "usage.oncall_cover", start=date_token(start), end=date_token(end))
        if end - start > rotation.override_limit:
            raise UsageError("error.override_too_long", "usage.oncall_cover",
                             limit=format_duration(self.t, rotation.override_limit))
        where = channel or self.oncall.policy.policy.channels.ops or actor
        value = json.dumps({"r": name, "s": int(start.timestamp()), "e": int(end.timestamp()), "by": actor})
        text = self.t("cover.asked", user=actor, rotation=name, start=date_token(start), end=date_token(end))
        blocks = [SectionBlock(text=text).to_dict(),
                  ActionsBlock(elements=[ButtonElement(text=self.t.plain("cover.take"), action_id=ids.ONCALL_COVER_TAKE,
                                                       value=value, style="primary")]).to_dict()]
        async with self.oncall.sessions.begin() as session:
            await self.oncall.outbox.owe(session, f"cover:{name}:{actor}:{value}", POST,
                                         post_payload(where, text, blocks))
        self.oncall.outbox.kick()
        return self.t("cover.posted", rotation=name)

    async def take(self, value: str, taker: str, channel: str | None) -> str:
        try:
            data = json.loads(value)
            name, by = str(data["r"]), str(data["by"])
            start, end = (datetime.fromtimestamp(int(data[k]), tz=UTC) for k in "se")
        except (ValueError, KeyError, TypeError):
            raise FirebellError("error.cover_bad_button") from None
        rotation, _zone = self.oncall.rotation(name)
        if taker == by:
            raise FirebellError("error.cover_own", rotation=name)
        if taker not in rotation.members:
            raise FirebellError("error.not_a_member", user=taker, rotation=name)
        async with self.oncall.sessions.begin() as session:
            taken = await repo.overrides_overlapping(name, session=session, start=start, end=end, lock=True)
            if taken:
                raise FirebellError("error.cover_taken", user=taken[0].user_id, rotation=name)
            # The override and its handoffs, as `/oncall override` makes them.
            await self.oncall._add_overrides(session, name, [(taker, start, end)], taker, swap_ref=None)
            text = self.t("cover.taken", user=taker, requester=by, rotation=name, start=date_token(start),
                          end=date_token(end))
            if channel:
                await self.oncall.outbox.owe(session, f"cover-taken:{name}:{value}", POST, post_payload(channel, text))
        self.oncall.outbox.kick()
        return text
