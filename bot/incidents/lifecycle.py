"""The incident state machine: which action is allowed from which status."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    DECLARED = "declared"
    ACKNOWLEDGED = "acknowledged"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"
    REOPENED = "reopened"


class Action(StrEnum):
    ACK = "ack"
    MITIGATE = "mitigate"
    RESOLVE = "resolve"
    REOPEN = "reopen"


OPEN_STATUSES = frozenset({Status.DECLARED, Status.ACKNOWLEDGED, Status.MITIGATED, Status.REOPENED})

# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[Status], Status]] = {
    Action.ACK: (frozenset({Status.DECLARED, Status.REOPENED}), Status.ACKNOWLEDGED),
    Action.MITIGATE: (
        frozenset({Status.DECLARED, Status.ACKNOWLEDGED, Status.REOPENED}),
        Status.MITIGATED,
    ),
    Action.RESOLVE: (OPEN_STATUSES, Status.RESOLVED),
    Action.REOPEN: (frozenset({Status.RESOLVED}), Status.REOPENED),
}


def allowed_from(action: Action) -> frozenset[Status]:
    return TRANSITIONS[action][0]


def target_of(action: Action) -> Status:
    return TRANSITIONS[action][1]


def can(action: Action, status: Status) -> bool:
    return status in allowed_from(action)
