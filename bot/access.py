"""Who may do what, from the policy's `permissions`. Enforced in services, whatever the UI shows."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.errors import PermissionDenied, SlackCallFailed
from bot.logging import get_logger
from bot.policy.loader import PolicyHolder
from bot.slack.text import Mrkdwn, group_mention, user_mention

log = get_logger(__name__)

ACTIONS = ("declare", "resolve", "severity", "escalate")


class Directory(Protocol):
    async def usergroup_members(self, group_id: str) -> list[str]: ...


class AccessControl:
    def __init__(self, policy: PolicyHolder, directory: Directory, cache_seconds: float = 60.0) -> None:
        self.policy = policy
        self.directory = directory
        self.cache_seconds = cache_seconds
        self._groups: dict[str, tuple[float, frozenset[str]]] = {}
        # Called with (permission, user) before a refusal (the audit log's `denied`).
        self.on_denied: Callable[[str, str], Awaitable[None]] | None = None

    async def _members(self, group_id: str) -> frozenset[str]:
        cached = self._groups.get(group_id)
        if cached and time.monotonic() - cached[0] < self.cache_seconds:
            return cached[1]
        try:
            members = frozenset(await self.directory.usergroup_members(group_id))
        except SlackCallFailed as exc:
            # An unreadable group grants nothing; say so in the log for the admin.
            log.warning("permission_group_unreadable", group=group_id, code=exc.code)
            members = frozenset()
        self._groups[group_id] = (time.monotonic(), members)
        return members

    async def allowed(self, action: str, user_id: str) -> bool:
        principals: list[str] = getattr(self.policy.policy.permissions, action)
        if not principals or user_id in principals:
            return True
        for principal in principals:
            if principal.startswith("S") and user_id in await self._members(principal):
                return True
        return False

    async def require(self, action: str, user_id: str) -> None:
        if not await self.allowed(action, user_id):
            if self.on_denied is not None:
                await self.on_denied(action, user_id)
            principals: list[str] = getattr(self.policy.policy.permissions, action)
            who = Mrkdwn(", ").join(group_mention(p) if p.startswith("S") else user_mention(p) for p in principals)
            raise PermissionDenied("error.permission_denied", permission=action, allowed=who)
