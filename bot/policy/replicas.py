"""One policy for every replica. The policy in force is recorded in the database (`policy_loads`: content,
hash, who, when); a reload in any process, or `firebell policy reload`, validates the file once and records
the outcome, and every replica follows the record within a tick: it loads the recorded content (not its own
copy of the file) or logs the same refusal. `/healthz` and `firebell_policy_info` show each one's hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import audit
from bot.clock import Clock
from bot.logging import get_logger
from bot.metrics import set_policy_hash
from bot.policy.loader import PolicyError, PolicyHolder, parse_policy, read_shipped, shipped_for
from bot.policy.schema import Policy
from bot.runtime import Runtime
from storage.repositories import audit as rows

log = get_logger(__name__)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def read_policy_text(path: str | None, locale: str | None = None) -> tuple[str, str]:
    """(content, source) of the policy file, or of the shipped policy when there is no file."""
    if path is None:
        name = shipped_for(locale)
        return read_shipped(name), f"(shipped) {name}"
    try:
        return Path(path).read_text(encoding="utf-8"), path
    except OSError as exc:
        raise PolicyError(path, [f"cannot read: {exc.strerror or exc}"]) from None


@dataclass(frozen=True)
class Outcome:
    accepted: bool
    hash: str
    problems: list[str]


async def propose(sessions: async_sessionmaker[AsyncSession], clock: Clock, *, content: str, source: str,
                  actor: str) -> Outcome:
    """Validate a policy and record the outcome (with its audit entry) for every replica to follow."""
    text_hash = digest(content)
    try:
        policy = parse_policy(content, source)
        problems: list[str] = []
    except PolicyError as error:
        policy, problems = None, error.problems
    now = clock.now()
    state = rows.ACCEPTED if policy is not None else rows.REFUSED
    async with sessions.begin() as session:
        await rows.add_policy_load(session=session, at=now, loaded_by=actor, source=source, digest=text_hash,
                                   state=state, content=content if policy is not None else None,
                                   problems=problems or None)
        await audit.record(session, at=now, actor=actor, action=f"policy.{'load' if policy else 'refused'}",
                           subject=source, after={"hash": text_hash, **({"problems": problems} if problems else {})})
    return Outcome(policy is not None, text_hash, problems)


class PolicySync:
    """Keeps this process's PolicyHolder on the recorded policy; `on_change` runs after each swap."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, holder: PolicyHolder,
                 runtime: Runtime, on_change: Callable[[Policy], None]) -> None:
        self.sessions = sessions
        self.clock = clock
        self.holder = holder
        self.runtime = runtime
        self.on_change = on_change
        self.seen = 0  # the newest policy load this process has acted on

    def _in_force(self, text_hash: str) -> None:
        self.runtime.policy_hash = text_hash
        set_policy_hash(text_hash)

    async def start(self, actor: str) -> None:
        """At start-up: this process's policy becomes the one in force when it differs from the record (the
        last replica started with a new file brings the others along), else it is simply confirmed."""
        content, source = read_policy_text(self.holder.path, self.holder.locale)
        text_hash = digest(content)
        async with self.sessions() as session:
            latest = await rows.latest_policy_load(session=session, state=rows.ACCEPTED)
            newest = await rows.latest_policy_load(session=session)
        if latest is None or latest.hash != text_hash:
            await propose(self.sessions, self.clock, content=content, source=source, actor=actor)
            async with self.sessions() as session:
                newest = await rows.latest_policy_load(session=session)
        self.seen = newest.id if newest is not None else 0
        self._in_force(text_hash)
        log.info("policy_in_force", hash=text_hash, source=source)

    async def reload(self, actor: str) -> Outcome:
        """Read this process's file, validate it once, record the outcome; every replica follows it."""
        try:
            content, source = read_policy_text(self.holder.path, self.holder.locale)
        except PolicyError as error:
            log.error("policy_reload_rejected", source=error.source, problems=error.problems, by=actor)
            return Outcome(False, "", error.problems)
        outcome = await propose(self.sessions, self.clock, content=content, source=source, actor=actor)
        await self.follow()
        return outcome

    async def follow(self) -> None:
        """Act on every policy load recorded since the last look (one short read per tick)."""
        async with self.sessions() as session:
            newest = await rows.latest_policy_load(session=session)
        if newest is None or newest.id <= self.seen:
            return
        self.seen = newest.id
        if newest.state == rows.REFUSED:
            log.error("policy_reload_rejected", source=newest.source, problems=newest.problems or [],
                      by=newest.loaded_by, hash=newest.hash)
            return
        if newest.hash == self.runtime.policy_hash:
            return
        async with self.sessions() as session:
            accepted = await rows.latest_policy_load(session=session, state=rows.ACCEPTED)
        if accepted is None or accepted.content is None:
            return
        try:
            policy = parse_policy(accepted.content, accepted.source)
        except PolicyError as error:  # recorded as valid by a different version: keep the old one
            log.error("policy_reload_rejected", source=error.source, problems=error.problems, hash=accepted.hash)
            return
        self.holder.policy, self.holder.severities = policy, policy.severity_table()
        self._in_force(accepted.hash)
        log.info("policy_reloaded", hash=accepted.hash, by=accepted.loaded_by, source=accepted.source,
                 severities=[s.id for s in policy.severities])
        self.on_change(policy)
