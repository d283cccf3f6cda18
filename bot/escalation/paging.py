"""Pages as deliveries: planned before a transaction, owed inside it, delivered after it.

A tier is paged in three steps. `plan` finds its people (rotations resolved to whoever is on call, user
groups expanded through Slack) without holding a transaction. `owe` writes one `pages` row and one outbox
delivery per target in the caller's transaction (the one that also plans the next tier), keyed by what
caused it, so a firing that runs twice owes nothing new. The outbox then delivers: at once after the commit,
and again after a transient failure (429, 5xx, a network error) until Slack accepts. Pages are therefore at
least once; a page whose sender died is looked up in Slack before it is sent again (message metadata).

A page is rendered when it is delivered, from the incident as it is then: a page delayed by an outage
still shows the current status and who was paged before it. A user group Slack cannot list just now (429,
5xx) is not a failure: listing it is a delivery of its own, retried until Slack answers, which then owes
its members' pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import SlackCallFailed
from bot.escalation.render import (
    delays_text,
    page_failures_text,
    page_message,
    page_text,
    paged_post,
    render_reason,
)
from bot.escalation.webhooks import PAGE_WEBHOOK, WebhookSender
from bot.i18n import Catalog
from bot.incidents.keys import setup_key
from bot.incidents.service import IncidentService
from bot.logging import get_logger
from bot.oncall.service import OnCallService
from bot.policy.loader import PolicyHolder
from bot.slack.client import Notifier
from bot.slack.deliveries import Poster
from bot.slack.outbox import NotYet, Outbox, Owed, Steps
from bot.slack.text import channel_link, group_mention, user_mention
from storage.models import Incident
from storage.repositories import incidents as incident_rows
from storage.repositories import outbox as delivery_rows
from storage.repositories import pages
from storage.repositories import timers as jobs

log = get_logger(__name__)

PAGE, PAGE_GROUP, PAGE_FAILURES, PAGE_DELAYS = "page", "page.group", "page.failures", "page.delays"
# A page delivered this long after it was owed is reported to the commander as delayed.
DELAY_WORTH_TELLING = timedelta(seconds=30)


@dataclass
class TierPlan:
    """Who a tier reaches, found before the transaction that owes the pages."""

    name: str
    notify: set[str]
    people: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)
    # Targets known to be unreachable before anything is sent: (target, reason).
    unreachable: list[tuple[str, str]] = field(default_factory=list)
    # User groups Slack could not list just now (429, 5xx): listed, and their members paged, when delivered.
    groups: list[str] = field(default_factory=list)
    # Outbound HTTP pages by webhook name (bot/escalation/webhooks.py).
    webhooks: list[str] = field(default_factory=list)


@dataclass
class PageReport:
    owed: dict[str, str] = field(default_factory=dict)  # delivery key → target, for the pages owed now
    reached: list[str] = field(default_factory=list)  # targets owed a page, now or by an earlier run
    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    retrying: list[tuple[str, str]] = field(default_factory=list)


class Pager:
    def __init__(self, *, outbox: Outbox, notifier: Notifier, incidents: IncidentService, oncall: OnCallService,
                 policy: PolicyHolder, catalog: Catalog) -> None:
        self.outbox = outbox
        self.notifier = notifier
        self.incidents = incidents
        self.oncall = oncall
        self.policy = policy
        self.t = catalog
        self._post = Poster(outbox.notifier)
        outbox.on(PAGE, self._deliver_page, on_sent=self._page_sent, on_failed=self._page_failed)
        outbox.on(PAGE_GROUP, self._list_group, on_sent=self._group_listed, on_failed=self._page_failed)
        outbox.on(PAGE_FAILURES, self._deliver_failures)
        outbox.on(PAGE_DELAYS, self._deliver_delays, on_sent=self._delays_told)
        outbox.on(PAGE_WEBHOOK, WebhookSender(policy=policy, catalog=catalog, incident_of=self._incident_of,
                                              reason_of=self._reason_of),
                  on_sent=self._page_sent, on_failed=self._page_failed)

    # --- planning (no transaction) --------------------------------------------------------------------------

    async def plan(self, tier: dict[str, Any], name: str) -> TierPlan:
        plan = TierPlan(name=name, notify=set(tier.get("notify", ["dm", "mention"])),
                        people=list(tier.get("users", [])), channels=list(tier.get("channels", [])),
                        webhooks=list(tier.get("webhooks", [])))
        # A rotation resolves to whoever is on call at paging time, overrides included.
        for rotation in tier.get("rotations", []):
            person = await self.oncall.who(rotation)
            if person is None:
                plan.unreachable.append((rotation, "nobody_on_call"))
            elif person not in plan.people:
                plan.people.append(person)
        plan.mentions = [user_mention(u) for u in plan.people]
        for group in tier.get("usergroups", []):
            plan.mentions.append(group_mention(group))
            try:
                members = await self.notifier.usergroup_members(group)
            except SlackCallFailed as exc:
                if not exc.transient:
                    # The group mention in the incident channel still reaches its members.
                    plan.unreachable.append((group, exc.code))
                elif "dm" in plan.notify:
                    plan.groups.append(group)  # not a failure: its members are paged once Slack lists them
                continue
            plan.people.extend(m for m in members if m not in plan.people)
        return plan

    # --- owing (inside the caller's transaction) -------------------------------------------------------------

    async def owe(self, session: AsyncSession, incident: Incident, plan: TierPlan, *, key: str, purpose: str,
                  tier_number: int | None, reason: dict[str, Any], late_by: timedelta | None = None,
                  next_key: str | None = None, kick: bool = False, since: datetime | None = None) -> PageReport:
        """Owe every page of a tier; targets paged by an earlier run of the same firing count as reached.

        `kick=False`: the caller delivers them itself after the commit (`deliver`), to tell its person how
        each went. `kick=True` (timer firings): the outbox's background drain delivers them after the
        commit, so the firing never waits for Slack. `since`: when the firing owed them, for pages owed
        later (a user group's members, once Slack lists them), so their delay counts from then."""
        report = PageReport()
        common = {"key": key, "tier_name": plan.name, "reason": reason, "next_key": next_key,
                  "late_seconds": int(late_by.total_seconds()) if late_by else None,
                  **({"since": since.isoformat()} if since is not None else {})}
        targets: list[tuple[str, str, str]] = []  # (page key, target, via)
        if "dm" in plan.notify:
            targets += [(f"{key}:{person}:dm", person, "dm") for person in plan.people]
        targets += [(f"{key}:{channel}:channel", channel, "channel") for channel in plan.channels]
        if "mention" in plan.notify and plan.mentions:
            targets.append((f"{key}:mention", "incident channel", "mention"))
        targets += [(f"{key}:{hook}:webhook", hook, "webhook") for hook in plan.webhooks]
        now = self.outbox.clock.now()
        for page_key, target, via in targets:
            page_id = await pages.claim_page(page_key, session=session, incident_id=incident.id, purpose=purpose,
                                             tier=tier_number, target=target, via=via, at=now)
            report.reached.append(target)
            if page_id is None:
                continue  # owed by an earlier run of this firing
            payload = {**common, "page_id": page_id, "target": target, "via": via,
                       **({"mentions": plan.mentions} if via == "mention" else {})}
            delivery = await self.outbox.owe(session, f"page:{page_key}", PAGE_WEBHOOK if via == "webhook" else PAGE,
                                             payload, incident_id=incident.id, kick=kick)
            report.owed[delivery] = target
        for group in plan.groups if "dm" in plan.notify else []:
            page_key = f"{key}:{group}:group"
            page_id = await pages.claim_page(page_key, session=session, incident_id=incident.id, purpose=purpose,
                                             tier=tier_number, target=group, via="group", at=now)
            report.reached.append(group)
            if page_id is None:
                continue
            payload = {**common, "page_id": page_id, "target": group, "via": "group", "purpose": purpose,
                       "tier": tier_number}
            delivery = await self.outbox.owe(session, f"page:{page_key}", PAGE_GROUP, payload,
                                             incident_id=incident.id, kick=kick)
            report.owed[delivery] = group
        for target, code in plan.unreachable:
            page_id = await pages.claim_page(f"{key}:{target}:unreachable", session=session, incident_id=incident.id,
                                             purpose=purpose, tier=tier_number, target=target, via="dm", at=now)
            if page_id is not None:
                await self._record_failure(session, incident.id, page_id, target, "dm", tier_number, code, key)
        return report

    async def owe_notice(self, session: AsyncSession, incident: Incident, *, key: str, target: str, via: str,
                         purpose: str, reason: dict[str, Any], kick: bool = False) -> PageReport:
        """One message that is its own reason (a resolve-target warning, a nudge), owed like a page."""
        report = PageReport()
        page_id = await pages.claim_page(key, session=session, incident_id=incident.id, purpose=purpose, tier=None,
                                         target=target, via=via, at=self.outbox.clock.now())
        report.reached.append(target)
        if page_id is not None:
            payload = {"key": key, "tier_name": "", "reason": reason, "page_id": page_id, "target": target,
                       "via": via, "plain": True}
            report.owed[await self.outbox.owe(session, f"page:{key}", PAGE, payload, incident_id=incident.id,
                                              kick=kick)] = target
        return report

    async def deliver(self, report: PageReport, plan: TierPlan) -> PageReport:
        """Deliver the pages just owed, in this task, and fill in how each went."""
        outcomes = await self.outbox.deliver_now(list(report.owed))
        for delivery, outcome in outcomes.items():
            target = report.owed[delivery]
            if outcome.sent:
                report.sent.append(target)
            elif outcome.state == "failed":
                report.failed.append((target, outcome.error or "unknown_error"))
            else:
                report.retrying.append((target, outcome.error or "pending"))
        report.failed += plan.unreachable
        return report

    # --- delivering -----------------------------------------------------------------------------------------

    async def _deliver_page(self, owed: Owed, steps: Steps) -> None:
        payload = owed.payload
        assert owed.incident_id is not None
        async with self.outbox.sessions() as session:
            incident = await incident_rows.get_incident(owed.incident_id, session=session)
            paged_before = await pages.dm_targets_paged(owed.incident_id, session=session,
                                                        before=int(payload["page_id"]))
        if incident is None:
            raise SlackCallFailed("chat.postMessage", "incident_gone")
        severities = self.policy.severities
        reason = render_reason(self.t, severities, incident, payload["reason"])
        late = timedelta(seconds=payload["late_seconds"]) if payload.get("late_seconds") else None
        via, target = payload["via"], payload["target"]
        if payload.get("plain"):
            owed_post = {"channel": target, "text": reason}
        elif via == "dm":
            blocks = page_message(self.t, severities, incident, now=self.outbox.clock.now(), reason=reason,
                                  tier_name=payload["tier_name"], paged_before=paged_before, late_by=late)
            owed_post = {"channel": target, "text": page_text(self.t, severities, incident, reason), "blocks": blocks}
        elif via == "channel":
            where = channel_link(incident.channel_id or target)
            owed_post = {"channel": target, "text": paged_post(self.t, payload["tier_name"], where, reason)}
        else:
            if incident.channel_id is None:
                await self._wait_for_channel(incident)
            owed_post = {"channel": incident.channel_id,
                         "text": paged_post(self.t, payload["tier_name"], " ".join(payload["mentions"]), reason)}
        await self._post(replace(owed, payload=owed_post), steps)

    async def _incident_of(self, owed: Owed) -> Incident:
        assert owed.incident_id is not None
        async with self.outbox.sessions() as session:
            incident = await incident_rows.get_incident(owed.incident_id, session=session)
        if incident is None:
            raise SlackCallFailed("webhook", "incident_gone")
        return incident

    async def _reason_of(self, incident: Incident, payload: dict[str, Any]) -> str:
        return str(render_reason(self.t, self.policy.severities, incident, payload["reason"]))

    async def _wait_for_channel(self, incident: Incident) -> None:
        """A mention waits for the incident channel while its set-up is still owed."""
        async with self.outbox.sessions() as session:
            setup = await delivery_rows.get(setup_key(incident.id), session=session)
        if setup is not None and setup.state in (delivery_rows.PENDING, delivery_rows.SENDING):
            raise NotYet
        raise SlackCallFailed("chat.postMessage", "no_incident_channel")

    async def _list_group(self, owed: Owed, steps: Steps) -> None:
        if steps.get("members") is None:
            await steps.save(members=await self.outbox.notifier.usergroup_members(str(owed.payload["target"])))

    async def _group_listed(self, owed: Owed, session: AsyncSession, result: dict[str, Any]) -> None:
        """Slack listed the group: its members' pages are owed now, late since the firing that owed the group."""
        payload, now = owed.payload, self.outbox.clock.now()
        assert owed.incident_id is not None
        await pages.settle_group(int(payload["page_id"]), session=session, at=now)
        incident = await incident_rows.get_incident(owed.incident_id, session=session)
        members = [str(member) for member in result.get("members") or []]
        if incident is not None and members:
            late = timedelta(seconds=payload["late_seconds"]) if payload.get("late_seconds") else None
            await self.owe(session, incident, TierPlan(name=payload["tier_name"], notify={"dm"}, people=members),
                           key=payload["key"], purpose=payload["purpose"], tier_number=payload["tier"],
                           reason=payload["reason"], late_by=late, next_key=payload.get("next_key"), kick=True,
                           since=_owed_since(owed))
        next_key = payload.get("next_key")
        if next_key and not await pages.any_reachable(payload["key"], session=session):
            await jobs.bring_forward(next_key, session=session, at=now)  # an empty group reaches nobody

    async def _page_sent(self, owed: Owed, session: AsyncSession, _result: dict[str, Any]) -> None:
        payload, now = owed.payload, self.outbox.clock.now()
        delay = now - _owed_since(owed)
        await pages.settle_page(int(payload["page_id"]), session=session, error=None, at=now,
                                delayed=delay if delay > DELAY_WORTH_TELLING else None)
        assert owed.incident_id is not None
        await incident_rows.add_timeline(
            owed.incident_id, session=session, at=now, actor_id=None, kind="paged",
            data={"target": payload["target"], "via": payload["via"], "tier": payload["tier_name"] or "-"})
        if delay > DELAY_WORTH_TELLING:
            # One message for the commander, however many pages the outage held back.
            await self.outbox.owe(session, f"delays:incident {owed.incident_id}", PAGE_DELAYS, {},
                                  incident_id=owed.incident_id, coalesce=True, not_before=now + timedelta(seconds=3))

    async def _page_failed(self, owed: Owed, session: AsyncSession, code: str) -> None:
        payload = owed.payload
        assert owed.incident_id is not None
        await self._record_failure(session, owed.incident_id, int(payload["page_id"]), payload["target"],
                                   payload["via"], None, code, payload["key"], tier_name=payload["tier_name"])
        next_key = payload.get("next_key")
        if next_key and not await pages.any_reachable(payload["key"], session=session):
            # Nobody in this tier can be reached for good: the next tier now, not after the wait.
            await jobs.bring_forward(next_key, session=session, at=self.outbox.clock.now())

    async def _record_failure(self, session: AsyncSession, incident_id: int, page_id: int, target: str, via: str,
                              tier: int | None, code: str, firing_key: str, *, tier_name: str | None = None) -> None:
        now = self.outbox.clock.now()
        await pages.settle_page(page_id, session=session, error=code, at=now)
        await incident_rows.add_timeline(
            incident_id, session=session, at=now, actor_id=None, kind="page_failed",
            data={"target": target, "via": via, "tier": tier_name or (tier if tier is not None else "-"),
                  "reason": code})
        # The commander hears once per firing, with every failure known by the time it is sent.
        await self.outbox.owe(session, f"failures:{firing_key}", PAGE_FAILURES, {"key": firing_key},
                              incident_id=incident_id, coalesce=True)

    async def _deliver_failures(self, owed: Owed, steps: Steps) -> None:
        assert owed.incident_id is not None
        async with self.outbox.sessions() as session:
            incident = await incident_rows.get_incident(owed.incident_id, session=session)
            failed = await pages.failed_under(owed.payload["key"], session=session)
        where = incident and (incident.commander_id or incident.channel_id)
        if not where or not failed:
            return
        text = page_failures_text(self.t, owed.incident_id, failed)
        await self._post(replace(owed, payload={"channel": where, "text": text}), steps)

    async def _deliver_delays(self, owed: Owed, steps: Steps) -> None:
        assert owed.incident_id is not None
        async with self.outbox.sessions() as session:
            incident = await incident_rows.get_incident(owed.incident_id, session=session)
            if await pages.any_queued(owed.incident_id, session=session):
                raise NotYet  # one message once the pages held back are out, not one per retry that got through
            delayed = await pages.delayed_untold(owed.incident_id, session=session)
        where = incident and (incident.commander_id or incident.channel_id)
        if not where or not delayed:
            return
        await steps.save(told=[page.id for page in delayed])
        text = delays_text(self.t, owed.incident_id, [(p.target, p.tier, p.delayed_seconds or 0) for p in delayed])
        await self._post(replace(owed, payload={"channel": where, "text": text}), steps)

    async def _delays_told(self, _owed: Owed, session: AsyncSession, result: dict[str, Any]) -> None:
        await pages.mark_delay_told(result.get("told", []), session=session)


def _owed_since(owed: Owed) -> datetime:
    """When its firing owed a page: earlier than its own row for a user group's members, listed late."""
    since = owed.payload.get("since")
    return datetime.fromisoformat(since) if since else owed.created_at
