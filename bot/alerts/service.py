"""Alerts: accepted fast (stored before the answer), processed durably after: an intake row is claimed
with a lease, read into alert events, and each alert group (an incident key) becomes one unit of work that
opens an incident through the incidents service, attaches to the open one, reopens a recent one, or only
records what arrived (suppressed by maintenance, resolved before it fired). Every Slack effect is owed in
that unit; a processor that dies leaves its lease to run out and the rows are taken again (the units are
idempotent: an alert already recorded in its state changes nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from bot.alerts.deliveries import AlertDeliveries
from bot.alerts.groups import GroupUnit
from bot.alerts.intake import AlertRefused, Checked, StormLimit, check_payload, check_token, read_json
from bot.alerts.parsing import AlertEvent, BadAlert, parse
from bot.alerts.render import suppressed_summary
from bot.deps import Deps, DomainService
from bot.errors import is_database_trouble
from bot.incidents.flows import IncidentFlows
from bot.logging import get_logger
from bot.maintenance.service import MaintenanceService
from bot.policy.alerts import AlertsPolicy
from storage.alerts_models import AlertIntake
from storage.repositories import alerts as repo

log = get_logger(__name__)

# Intake rows claimed at once: a storm's alerts of one group become one unit of work per batch.
BATCH = 500
STORE_BATCH = 500
LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 5


class AlertService(DomainService):
    def __init__(self, deps: Deps, *, flows: IncidentFlows, maintenance: MaintenanceService, worker: str) -> None:
        super().__init__(deps)
        self.flows = flows
        self.incidents = flows.service
        self.maintenance = maintenance
        self.worker = worker
        self.storms = StormLimit()
        self.slack = AlertDeliveries(outbox=deps.outbox, incidents=flows.service, catalog=deps.catalog)
        maintenance.suppressed_notes = self.suppressed_notes
        self._drain: asyncio.Task[int] | None = None
        self._to_store: list[tuple[str, Checked, asyncio.Future[int]]] = []
        self._storing: asyncio.Task[None] | None = None
        self._again = False
        self._closed = False

    @property
    def config(self) -> AlertsPolicy:
        return self.policy.policy.alerts or AlertsPolicy()

    # --- accepting ---------------------------------------------------------------------------------------

    async def accept(self, source: str, raw: bytes, content_type: str, token: str | None) -> tuple[int, Checked]:
        """Check, store and answer; processing starts after the commit. Raises AlertRefused (a 4xx, or a
        503 when the database cannot take it: the sender retries)."""
        if source == "pagerduty":
            # PagerDuty senders may only have the integration key: the routing_key in the body counts too.
            body = read_json(raw, content_type)
            check_token(self.policy.policy.alerts, source, token, body)
        else:
            check_token(self.policy.policy.alerts, source, token, None)
            body = read_json(raw, content_type)
        checked = check_payload(source, body)
        config = self.config
        self.storms.take(source, checked.alert_count, limit=config.limit, per=config.per.total_seconds())
        try:
            intake_id = await self._store(source, checked)
        except Exception as error:
            if is_database_trouble(error):
                log.warning("alert_not_stored", source=source, error=type(error).__name__)
                raise AlertRefused(503, "the database cannot take the alert now; send it again") from None
            raise
        self.kick()
        return intake_id, checked

    async def _store(self, source: str, checked: Checked) -> int:
        """Group commit: requests arriving while a commit is under way share the next one, so a storm
        costs a few commits a second instead of one per alert. Each caller returns once its row committed."""
        waiting: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._to_store.append((source, checked, waiting))
        if self._storing is None or self._storing.done():
            self._storing = asyncio.ensure_future(self._store_waiting())
        return await waiting

    async def _store_waiting(self) -> None:
        while self._to_store:
            batch, self._to_store = self._to_store[:STORE_BATCH], self._to_store[STORE_BATCH:]
            try:
                async with self.sessions.begin() as session:
                    ids = await repo.add_intakes([(source, c.body, c.alert_count) for source, c, _w in batch],
                                                 session=session, now=self.clock.now())
            except Exception as error:
                for _source, _checked, waiting in batch:
                    if not waiting.done():
                        waiting.set_exception(error)
                continue
            for (_source, _checked, waiting), intake_id in zip(batch, ids, strict=True):
                if not waiting.done():
                    waiting.set_result(intake_id)

    # --- processing --------------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._drain is not None and not self._drain.done()

    def kick(self) -> None:
        """Process what is pending, in the background; a drain under way takes another turn."""
        if self._closed:
            return
        if self.busy:
            self._again = True
            return
        self._drain = asyncio.ensure_future(self.drain())

    async def close(self) -> None:
        self._closed = True
        if self._drain is not None:
            self._drain.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._drain

    async def drain(self) -> int:
        """Process every claimable intake row, batch after batch. Returns how many rows were processed."""
        done = 0
        while True:
            self._again = False
            try:
                rows = await self._claim()
            except Exception:
                log.exception("alert_claim_failed")
                return done
            if rows:
                await self._process(rows)
                done += len(rows)
            elif not self._again:
                return done

    async def _claim(self) -> list[AlertIntake]:
        now = self.clock.now()
        async with self.sessions() as session:
            if not await repo.any_claimable(session=session, now=now):
                return []
        async with self.sessions.begin() as session:
            return await repo.claim_intake(session=session, now=now, worker=self.worker, lease_until=now + LEASE,
                                           limit=BATCH)

    async def _process(self, rows: list[AlertIntake]) -> None:
        """One unit of work per alert group across the batch (a storm of one group is one unit)."""
        groups: dict[tuple[str, str], list[tuple[int, AlertEvent]]] = defaultdict(list)
        failed: dict[int, str] = {}
        for row in rows:
            try:
                for event in parse(row.source, row.body):
                    groups[(row.source, event.group_key)].append((row.id, event))
            except BadAlert as bad:  # checked when accepted; only a changed parser gets here
                failed[row.id] = f"bad payload: {bad}"
        retry: dict[int, str] = {}
        windows: dict[str | None, Any] = {}  # maintenance windows by service, looked up once per batch
        for (source, group_key), items in groups.items():
            await self._intake_first()
            try:
                await GroupUnit(self, source, group_key, [event for _row, event in items], windows).run()
            except Exception as error:
                log.exception("alert_processing_failed", source=source, group=group_key[:80])
                for row_id, _event in items:
                    retry[row_id] = f"{type(error).__name__}: {error}"[:500]
        await self._settle(rows, failed, retry)

    async def _intake_first(self) -> None:
        """Answering comes first: a commit of accepted alerts under way goes before the next unit of work
        (on SQLite both queue for the one write lock)."""
        storing = self._storing
        if storing is not None and not storing.done():
            with contextlib.suppress(Exception):
                await asyncio.shield(storing)

    async def _settle(self, rows: list[AlertIntake], failed: dict[int, str], retry: dict[int, str]) -> None:
        now = self.clock.now()
        given_up = {r.id: retry[r.id] for r in rows if r.id in retry and r.attempts >= MAX_ATTEMPTS}
        again = [r for r in rows if r.id in retry and r.id not in given_up]
        done = [r.id for r in rows if r.id not in failed and r.id not in retry]
        async with self.sessions.begin() as session:
            await repo.finish_intake(done, session=session, worker=self.worker, state=repo.DONE, now=now,
                                     outcome="processed")
            for row_id, error in {**failed, **given_up}.items():
                await repo.finish_intake([row_id], session=session, worker=self.worker, state=repo.FAILED, now=now,
                                         outcome="failed", error=error)
            for row in again:
                # Left claimed until the backoff ends; the beat's kick takes it again then.
                await repo.retry_intake(row.id, session=session, worker=self.worker, error=retry[row.id],
                                        at=now + timedelta(seconds=2 ** row.attempts))

    async def pending(self) -> dict[str, int]:
        async with self.sessions() as session:
            return await repo.intake_counts(session=session)

    async def suppressed_notes(self, window_ids: Sequence[int]) -> dict[int, str]:
        """What each maintenance window suppressed, as one line of text per window."""
        async with self.sessions() as session:
            found = await repo.suppressed_by_windows(window_ids, session=session)
        return {window_id: suppressed_summary(self.t, alerts) for window_id, alerts in found.items()}
