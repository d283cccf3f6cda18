"""Who the bot is in Slack (`auth.test`), learned in the background at start-up.

Bolt's default single-workspace authorization calls `auth.test` on the first request, before the
listener can acknowledge it; when Slack is slow or rate-limits that call, Bolt answers "Please install
this app" and the request is lost. Firebell authorizes every request with its own token at once and
learns its bot user id beside it, retrying until Slack answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.logging import get_logger

log = get_logger(__name__)


class BotIdentity:
    def __init__(self, client: AsyncWebClient, token: str) -> None:
        self.client = client
        self.token = token
        self.known: dict[str, Any] = {}

    async def learn(self, *, attempts: int = 8, first_wait: float = 1.0) -> bool:
        """Ask Slack who we are, retrying with backoff; False (logged once) when it never answers or refuses."""
        wait = first_wait
        for attempt in range(1, attempts + 1):
            try:
                response = await self.client.auth_test()
            except SlackApiError as exc:
                code = exc.response.get("error", "unknown_error") if isinstance(exc.response.data, dict) else "?"
                if code in ("invalid_auth", "not_authed", "account_inactive", "token_revoked"):
                    log.error("slack_token_refused", code=code, hint="check SLACK_BOT_TOKEN")
                    return False
                log.warning("slack_identity_retry", code=code, attempt=attempt)
            except (SlackClientError, OSError, TimeoutError) as exc:
                log.warning("slack_identity_retry", code=type(exc).__name__, attempt=attempt)
            else:
                # Updated in place: the authorizer holds this dict.
                self.known.update({key: response.get(key) for key in ("user_id", "bot_id", "team_id", "enterprise_id")})
                return True
            await asyncio.sleep(wait)
            wait = min(wait * 2, 30.0)
        return False

    def authorizer(self) -> Callable[..., Awaitable[AuthorizeResult]]:
        """Bolt's `authorize` (a plain function: Bolt passes arguments by their names); never waits on Slack."""
        known, token = self.known, self.token

        async def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
            return AuthorizeResult(
                enterprise_id=enterprise_id or known.get("enterprise_id"),
                team_id=team_id or known.get("team_id"),
                bot_token=token,
                bot_user_id=known.get("user_id"),
                bot_id=known.get("bot_id"),
                user_id=user_id,
            )

        return authorize
