"""Builds the parts of issue 12 (post-mortems, action items, reports, the App Home) and hooks them into the
incident flows."""

from __future__ import annotations

from dataclasses import dataclass

from bot.deps import Deps
from bot.home.service import HomeService
from bot.incidents.flows import IncidentFlows
from bot.oncall.service import OnCallService
from bot.postmortems.actions import ActionService
from bot.postmortems.deliveries import PostmortemDeliveries
from bot.postmortems.service import PostmortemService
from bot.reports.deliveries import ReportDeliveries
from bot.reports.service import ReportService


@dataclass
class Followups:
    postmortems: PostmortemService
    actions: ActionService
    reports: ReportService
    home: HomeService


def build_followups(deps: Deps, flows: IncidentFlows, oncall: OnCallService) -> Followups:
    postmortems = PostmortemService(deps)
    PostmortemDeliveries(deps.outbox, postmortems, deps.catalog)
    # Resolving drafts the post-mortem in the same transaction.
    flows.resolve_hooks.append(postmortems.owe_draft)
    ReportDeliveries(deps.outbox, deps.catalog)
    home = HomeService(deps, oncall=oncall)
    actions = ActionService(deps)
    actions.changed.append(home.owe_refresh)  # the owner's App Home, coalesced through the outbox
    flows.resolve_hooks.append(home.on_resolved)
    return Followups(postmortems=postmortems, actions=actions, reports=ReportService(deps), home=home)
