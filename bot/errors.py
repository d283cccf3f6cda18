"""Domain errors. Each carries a catalog key and its parameters; handlers render them."""

from __future__ import annotations

from typing import Any


class FirebellError(Exception):
    """An error the user caused or can act on; shown to them, never as a traceback."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r}, {self.params!r})"


class UsageError(FirebellError):
    """The command text could not be understood; the message includes the right usage."""

    def __init__(self, key: str, usage: str, **params: Any) -> None:
        super().__init__(key, **params)
        self.usage = usage


class NotFound(FirebellError):
    pass


class InvalidTransition(FirebellError):
    pass


class PermissionDenied(FirebellError):
    pass


# Slack answers that may succeed if asked again later; every other error code is for good.
TRANSIENT_CODES = frozenset({
    "ratelimited", "rate_limited", "connection_error", "service_unavailable", "internal_error", "fatal_error",
    "request_timeout", "timeout", "team_added_to_org",
})


class SlackCallFailed(Exception):
    """A Slack Web API call failed; `code` is Slack's error string (or `http_<status>`, `connection_error`)."""

    def __init__(self, method: str, code: str, *, retry_after: float | None = None) -> None:
        super().__init__(f"{method}: {code}")
        self.method = method
        self.code = code
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        return is_transient(self.code)


def is_transient(code: str) -> bool:
    """Worth trying again later: rate limits, Slack's 5xx, a network that failed us."""
    return code in TRANSIENT_CODES or code.startswith("http_5") or code == "http_429"


def is_database_trouble(error: BaseException) -> bool:
    """The database refused, stalled or dropped us (as opposed to a bug): the person is told to retry."""
    from sqlalchemy.exc import DBAPIError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    if isinstance(error, OperationalError | PoolTimeout | TimeoutError | ConnectionError | OSError):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)
