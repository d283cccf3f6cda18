"""The outbox worker: delivers what Firebell owes Slack until Slack accepts it or refuses it for good.

Services call `Outbox.owe(session, key, kind, payload)` inside the transaction that changes state, so
the effect and the change commit together. After the commit this process tries at once (the after-commit
hook kicks a drain); a transient failure (429, 5xx, a network error) goes back to the table with its next
attempt time, backed off with jitter and honouring Retry-After; a permanent one (`channel_not_found`,
`user_not_found`, …) is settled as failed and handed to the kind's `on_failed` hook. A process that dies
mid-delivery leaves a lease that runs out in seconds; the next drain, here or in another process, takes
the delivery again and, for posts, first looks in Slack for the message it may already have sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.errors import SlackCallFailed
from bot.logging import get_logger
from bot.metrics import observe_delivery
from bot.slack.client import Notifier
from bot.slack.owed import Deliver, Failed, Kind, NotYet, Outcome, Owed, Sent
from bot.slack.pace import SLOT_WHILE_PACED
from bot.slack.settling import GroupSettler
from bot.work import slack_turn
from storage.models import Delivery
from storage.repositories import outbox as rows
from storage.repositories.outbox import LEASE_EXPIRED

log = get_logger(__name__)

__all__ = ["Deliver", "Failed", "Kind", "NotYet", "Outbox", "Outcome", "Owed", "Sent", "Steps", "backoff"]

# Errors after which Slack may hold the message although we saw no answer.
_UNCERTAIN = frozenset({LEASE_EXPIRED, "connection_error"})
# Errors of our own (the database, a bug) may come after Slack took the message, e.g. while saving its ts.
_INTERNAL = "internal:"
# Bugs and database trouble inside a handler are retried this often before the delivery is given up.
MAX_INTERNAL_ATTEMPTS = 8
# Batches a drain runs side by side (each up to `batch` deliveries), and how long it gathers kicks that
# arrive while batches are under way before it claims again.
MAX_BATCHES = 4
KICKS_GATHERED = 0.05


def _uncertain(last_error: str | None) -> bool:
    """Whether Slack may hold the message although the last attempt saw no answer from it."""
    return last_error is not None and (last_error in _UNCERTAIN or last_error.startswith(_INTERNAL))


@dataclass
class Steps:
    """Results of finished steps (a channel id, a message ts), kept with the delivery."""

    outbox: Outbox
    owed: Owed
    values: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def note(self, **values: Any) -> None:
        """Remember results; they are written with the delivery when it settles or is put back for a
        retry (one write, not one per step). For a step that is safe to repeat after a crash, or that
        the next attempt can look up (a post is found in Slack by its delivery key)."""
        self.values |= values

    async def save(self, **values: Any) -> None:
        """Remember results and write them now: for a step that must not be repeated after a crash."""
        self.values |= values
        async with self.outbox.sessions.begin() as session:
            await rows.save_progress(self.owed.id, dict(self.values), session=session, worker=self.outbox.worker)


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    """2 s, 4 s, 8 s … up to a minute, with jitter so many deliveries do not return at once."""
    seconds = min(60.0, 2.0 * 2 ** max(0, attempts - 1)) * random.uniform(0.5, 1.5)
    if retry_after is not None:
        seconds = max(seconds, retry_after)
    return timedelta(seconds=seconds)


class Outbox:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        notifier: Notifier,
        *,
        worker: str,
        lease: timedelta = timedelta(seconds=15),
        batch: int = 100,
        concurrency: int = 8,
        max_age: timedelta = timedelta(hours=24),
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.notifier = notifier
        self.worker = worker
        self.lease = lease
        self.batch = batch
        self.max_age = max_age
        self.kinds: dict[str, Kind] = {}
        self._limit = asyncio.Semaphore(concurrency)
        self._settler = GroupSettler(sessions, clock, worker=worker, newer_owed=self.kick)
        self._drain: asyncio.Task[int] | None = None
        self._again = False
        self._kicked = asyncio.Event()
        # Incidents with deliveries being sent by this process (how many batches each): not claimed again
        # meanwhile, so one incident's messages go out in order.
        self._incidents_under_way: Counter[int] = Counter()
        self._passed_over: set[int] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    def on(self, kind: str, deliver: Deliver, *, on_sent: Sent | None = None,
           on_failed: Failed | None = None) -> None:
        self.kinds[kind] = Kind(deliver, on_sent, on_failed)

    # --- owing ---------------------------------------------------------------------------------------

    async def owe(
        self,
        session: AsyncSession,
        key: str,
        kind: str,
        payload: dict[str, Any] | None = None,
        *,
        incident_id: int | None = None,
        coalesce: bool = False,
        not_before: datetime | None = None,
        kick: bool = True,
    ) -> str:
        """Record an effect in the caller's transaction; it is attempted as soon as that commits (by a
        background drain, or with `kick=False` by the caller through `deliver_now`). Returns its key."""
        await rows.owe(session=session, key=key[:255], kind=kind, payload=payload or {}, now=self.clock.now(),
                       incident_id=incident_id, coalesce=coalesce, not_before=not_before)
        if kick:
            self._loop = asyncio.get_running_loop()
            session.sync_session.info.setdefault(_KICKS, set()).add(self)
        return key[:255]

    # --- draining ------------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._drain is not None and not self._drain.done()

    def kick(self) -> None:
        """Deliver what is due now, in the background; a drain under way takes another turn."""
        if self._closed:
            return
        if self.busy:
            self._again = True
            self._kicked.set()
            return
        self._drain = asyncio.ensure_future(self.drain())

    async def drain(self) -> int:
        """Deliver everything due. Returns how many deliveries were attempted.

        Batches run side by side: one waiting on Slack's pace for a busy channel does not hold back what
        is owed elsewhere (a page to someone else). An incident whose deliveries are under way is not
        claimed again until they finish, so its messages keep the order they were owed in.
        """
        done = 0
        running: set[asyncio.Future[dict[str, Outcome]]] = set()
        try:
            while True:
                self._again = False
                self._kicked.clear()
                try:
                    claimed = await self._claim()
                except Exception:
                    log.exception("outbox_claim_failed")
                    if running:
                        await asyncio.wait(running)
                    return done
                if claimed:
                    done += len(claimed)
                    batch = asyncio.ensure_future(self._deliver_batch(claimed))
                    running.add(batch)
                    batch.add_done_callback(running.discard)
                    if len(claimed) == self.batch and len(running) < MAX_BATCHES:
                        continue  # more may be due at once
                elif not running:
                    if self._again:
                        continue
                    return done
                # Batches under way: claim again when one finishes, or when more is owed, kicks gathered
                # for a moment so a stream of owed deliveries is not a claim (a write) each.
                if len(running) >= MAX_BATCHES:
                    await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                    continue
                kicked = asyncio.ensure_future(self._kicked.wait())
                await asyncio.wait({*running, kicked}, return_when=asyncio.FIRST_COMPLETED)
                kicked.cancel()
                if self._kicked.is_set():
                    await asyncio.sleep(KICKS_GATHERED)
        finally:
            for batch in running:
                batch.cancel()

    async def deliver_now(self, keys: list[str]) -> dict[str, Outcome]:
        """Deliver these (just committed) deliveries in the caller's task and say how each went.

        The request that owed them waits for them, so what it tells its person is true; were it to
        die here, the rows are still owed and the next drain delivers them.
        """
        now = self.clock.now()
        async with self.sessions.begin() as session:
            claimed = await rows.claim_keys(keys, session=session, now=now, worker=self.worker,
                                            lease_until=now + self.lease)
        slack_turn()  # from here the request waits on Slack, within the outbox's own limit
        outcomes = await self._deliver_batch(self._owed(claimed)) if claimed else {}
        # Deliveries another sender holds, or not due yet, are as the table says.
        others = [key for key in keys if key not in outcomes]
        if others:
            async with self.sessions() as session:
                states = await rows.states_of(others, session=session)
            outcomes |= {key: Outcome(*states.get(key, (rows.PENDING, None, {}))) for key in others}
        return {key: outcomes[key] for key in keys}

    async def _claim(self) -> list[Owed]:
        now = self.clock.now()
        under_way = sorted(self._incidents_under_way)
        self._passed_over.update(under_way)
        async with self.sessions.begin() as session:
            claimed = await rows.claim(session=session, now=now, worker=self.worker, lease_until=now + self.lease,
                                       limit=self.batch, skip_incidents=under_way)
        return self._owed(claimed)

    @staticmethod
    def _owed(claimed: list[Delivery]) -> list[Owed]:
        return [
            Owed(id=d.id, key=d.key, kind=d.kind, incident_id=d.incident_id, payload=dict(d.payload or {}),
                 progress=dict(d.progress or {}), attempts=d.attempts, revision=d.revision,
                 created_at=d.created_at, uncertain=d.attempts > 1 and _uncertain(d.last_error))
            for d in claimed
        ]

    async def _deliver_batch(self, claimed: list[Owed]) -> dict[str, Outcome]:
        # One incident's deliveries go in the order they were owed; incidents go side by side.
        lanes: defaultdict[object, list[Owed]] = defaultdict(list)
        for owed in sorted(claimed, key=lambda o: o.id):
            lanes[owed.incident_id if owed.incident_id is not None else owed.id].append(owed)
        incidents = [owed.incident_id for owed in claimed if owed.incident_id is not None]
        self._incidents_under_way.update(incidents)
        renewing = asyncio.ensure_future(self._renew([o.id for o in claimed]))
        outcomes: dict[str, Outcome] = {}
        try:
            await asyncio.gather(*(self._run_lane(lane, outcomes) for lane in lanes.values()))
        finally:
            self._incidents_under_way.subtract(incidents)
            self._incidents_under_way += Counter()  # drop the ones at zero
            if self._passed_over.intersection(incidents):
                # A drain passed these incidents over while this batch had them: their later deliveries wait.
                self._passed_over.difference_update(incidents)
                self.kick()
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
        return outcomes

    async def _renew(self, ids: list[int]) -> None:
        """Keep the lease while a slow batch runs, so no other process takes these deliveries."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            with contextlib.suppress(Exception):
                async with self.sessions.begin() as session:
                    await rows.renew(ids, session=session, worker=self.worker,
                                     lease_until=self.clock.now() + self.lease)

    async def _run_lane(self, lane: list[Owed], outcomes: dict[str, Outcome]) -> None:
        for owed in lane:
            structlog.contextvars.bind_contextvars(delivery=owed.key, incident=owed.incident_id)
            async with self._limit:
                steps = Steps(self, owed, dict(owed.progress))
                pacing = SLOT_WHILE_PACED.set(self._limit)
                try:
                    settling = await self._deliver(owed, steps)
                finally:
                    SLOT_WHILE_PACED.reset(pacing)
            # The next delivery of this incident starts once this one is settled (it may need its ts),
            # but the settling waits outside the limit, so other lanes go on meanwhile.
            outcomes[owed.key] = await settling if isinstance(settling, asyncio.Future) else settling

    async def _deliver(self, owed: Owed, steps: Steps) -> Outcome | asyncio.Future[Outcome]:
        kind = self.kinds.get(owed.kind)
        try:
            if kind is None:
                raise LookupError(f"no handler for delivery kind {owed.kind}")
            await kind.deliver(owed, steps)
        except NotYet:
            return await self._retry(owed, steps, timedelta(seconds=1), "waiting")
        except SlackCallFailed as exc:
            if exc.transient and self.clock.now() - owed.created_at < self.max_age:
                log.info("delivery_retry", key=owed.key, code=exc.code, attempt=owed.attempts)
                return await self._retry(owed, steps, backoff(owed.attempts, exc.retry_after), exc.code)
            return await self._fail(owed, kind, steps, exc.code)
        except Exception as exc:
            log.exception("delivery_crashed", key=owed.key, attempt=owed.attempts)
            if owed.attempts < MAX_INTERNAL_ATTEMPTS:
                return await self._retry(owed, steps, backoff(owed.attempts), _INTERNAL + type(exc).__name__)
            return await self._fail(owed, kind, steps, "internal_error")
        observe_delivery(owed.kind, owed.created_at, self.clock.now())
        return self._settle(owed, kind, steps.values)

    async def _retry(self, owed: Owed, steps: Steps, after: timedelta, error: str) -> Outcome:
        with contextlib.suppress(Exception):
            async with self.sessions.begin() as session:
                await rows.retry_at(owed.id, session=session, worker=self.worker, at=self.clock.now() + after,
                                    error=error[:200], progress=dict(steps.values))
        # A database that failed here leaves the lease to run out; the delivery is taken again then.
        return Outcome(rows.PENDING, error, dict(steps.values))

    def _settle(self, owed: Owed, kind: Kind | None, values: dict[str, Any]) -> asyncio.Future[Outcome]:
        return self._settler.settle(owed, kind, values)

    async def _fail(self, owed: Owed, kind: Kind | None, steps: Steps, code: str) -> Outcome:
        log.warning("delivery_failed", key=owed.key, code=code, attempts=owed.attempts)
        try:
            async with self.sessions.begin() as session:
                if await rows.settle_failed(owed.id, session=session, worker=self.worker, now=self.clock.now(),
                                            error=code, progress=dict(steps.values)) \
                        and kind is not None and kind.on_failed is not None:
                    await kind.on_failed(owed, session, code)
        except Exception:
            log.exception("delivery_settle_failed", key=owed.key)
            return Outcome(rows.SENDING, None, dict(steps.values))
        return Outcome(rows.FAILED, code, dict(steps.values))

    async def close(self) -> None:
        self._closed = True
        await self._settler.finish()  # what Slack accepted is recorded before the process goes
        if self._drain is not None:
            self._drain.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._drain


_KICKS = "firebell.outbox.kicks"


@event.listens_for(Session, "after_commit")
def _kick_after_commit(session: Session) -> None:
    for outbox in session.info.pop(_KICKS, ()):
        if outbox._loop is not None:
            outbox._loop.call_soon(outbox.kick)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_KICKS, None)
