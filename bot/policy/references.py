"""The Slack ids a policy names (users, user groups, channels), where it names them, and the warnings a
first run needs: placeholder ids copied from the shipped files, and an unset `channels.ops`.

`firebell doctor` asks Slack about every id found here; `firebell policy check` warns (without failing)
about placeholders and about what will be skipped without an ops channel.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from bot.policy.fields import CHANNEL_ID, GROUP_ID, USER_ID
from bot.policy.schema import Policy

# Keys whose values are Slack ids (a string or a list of them); permissions' lists hold users or groups.
_ID_KEYS = {"users", "members", "usergroups", "usergroup", "channels", "channel", "feed", "ops"}
_KIND_BY_PATTERN = (("user", USER_ID), ("usergroup", GROUP_ID), ("channel", CHANNEL_ID))
# Ids used as examples in .env.example and the docs.
_EXAMPLE_IDS = {"C0123456789", "U0123456789", "S0123456789"}


@dataclass(frozen=True)
class Reference:
    kind: str  # user, usergroup or channel
    id: str
    path: str  # where in the policy, e.g. escalation_policies.critical.tiers[0].usergroups


def _classify(value: str) -> str | None:
    return next((kind for kind, pattern in _KIND_BY_PATTERN if pattern.match(value)), None)


def _walk(node: Any, path: str, in_ids: bool, found: list[Reference]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            child = f"{path}.{key}" if path else str(key)
            _walk(value, child, key in _ID_KEYS or path == "permissions", found)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _walk(value, f"{path}[{index}]" if not in_ids else path, in_ids, found)
    elif in_ids and isinstance(node, str):
        kind = _classify(node)
        if kind is not None:
            found.append(Reference(kind, node, path))


def references(policy: Policy) -> list[Reference]:
    found: list[Reference] = []
    _walk(policy.model_dump(mode="json"), "", False, found)
    return found


def grouped(policy: Policy) -> dict[tuple[str, str], list[str]]:
    """(kind, id) → the places that name it, in order."""
    places: dict[tuple[str, str], list[str]] = defaultdict(list)
    for ref in references(policy):
        if ref.path not in places[(ref.kind, ref.id)]:
            places[(ref.kind, ref.id)].append(ref.path)
    return dict(places)


@functools.cache
def placeholder_ids() -> frozenset[str]:
    """The ids of the shipped policy files: examples to replace, never a real workspace's."""
    ids = set(_EXAMPLE_IDS)
    shipped = resources.files("bot.policy").joinpath("shipped")
    for file in shipped.iterdir():
        if file.name.endswith(".yml"):
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
            found: list[Reference] = []
            _walk(data, "", False, found)
            ids.update(ref.id for ref in found)
    return frozenset(ids)


def _names(items: list[str]) -> str:
    return ", ".join(items[:6]) + (f" and {len(items) - 6} more" if len(items) > 6 else "")


_PURPOSES = (("escalation_policies.", "escalation pages to it"), ("manager_tier", "the manager notice"),
             ("notify_on_declare", "declare notifications"), ("permissions.", "what it is allowed to do"),
             ("rotations.", "the rotation's group sync"), ("channels.", "posts there"))


def _skipped(places: list[str]) -> str:
    purposes = []
    for place in places:
        purpose = next((text for prefix, text in _PURPOSES if prefix in place), "what uses it")
        if purpose not in purposes:
            purposes.append(purpose)
    return ", ".join(purposes)


def first_run_warnings(policy: Policy) -> list[str]:
    """What a policy copied from the shipped one would quietly skip, one line each."""
    warnings = []
    placeholders = placeholder_ids()
    for (kind, slack_id), places in grouped(policy).items():
        if slack_id in placeholders:
            warnings.append(f"placeholder {kind} id {slack_id} at {_names(places)}: {_skipped(places)} will be "
                            f"skipped until you put your own {kind} id there")
    if policy.channels.ops is None:
        checklists = [name for name, c in policy.checklists.items() if c.schedule and not c.schedule.channel]
        reminders = [name for name, r in policy.reminders.items() if not r.channel]
        skipped = []
        if checklists:
            skipped.append(f"scheduled checklists {_names(checklists)}")
        if reminders:
            skipped.append(f"reminders {_names(reminders)}")
        reports = getattr(getattr(policy, "reports", None), "schedules", None) or {}
        if reports and not getattr(policy.reports, "channel", None):  # type: ignore[attr-defined]
            skipped.append(f"reports {_names([n for n, r in reports.items() if not getattr(r, 'channel', None)])}")
        if skipped:
            warnings.append("channels.ops is not set: " + " and ".join(skipped) + " (no channel of their own) "
                            "will be skipped; set channels.ops to a channel id (C…)")
    return warnings
