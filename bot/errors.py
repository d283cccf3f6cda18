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


class SlackCallFailed(Exception):
    """A Slack Web API call failed after retries; `code` is Slack's error string."""

    def __init__(self, method: str, code: str) -> None:
        super().__init__(f"{method}: {code}")
        self.method = method
        self.code = code
