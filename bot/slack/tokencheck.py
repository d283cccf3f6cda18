"""The bot token, checked before Firebell starts: `auth.test`, and the scopes Slack says it carries.

A placeholder or a refused token stops start-up with one line saying what to do (instead of a start that
looks fine and a first slash command that fails); scopes the manifest asks for that the token lacks are
named. Slack reports a token's scopes in the `x-oauth-scopes` header of every Web API answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

# The bot scopes manifest.yml asks for (tests/test_first_run.py checks the two agree: add a scope to both).
MANIFEST_SCOPES = ("commands", "chat:write", "channels:manage", "channels:join", "reactions:read", "groups:write",
                   "usergroups:read", "usergroups:write", "channels:history", "im:history", "im:write",
                   "files:write")
PLACEHOLDER_TOKENS = ("xoxb-your-bot-token",)
REFUSED = ("invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "no_permission")
WHERE = "Slack app settings → OAuth & Permissions → Bot User OAuth Token"


@dataclass
class TokenCheck:
    ok: bool
    problem: str | None = None  # one line: what is wrong and what to do
    unreachable: bool = False  # Slack did not answer: start anyway, the bot keeps trying
    identity: dict[str, str] = field(default_factory=dict)
    scopes: tuple[str, ...] | None = None  # None: Slack did not say
    missing: tuple[str, ...] = ()


def is_placeholder(token: str) -> bool:
    return token in PLACEHOLDER_TOKENS or "your" in token.lower() or token.rstrip("-") == "xoxb"


async def check_token(token: str, api_url: str | None, *, timeout: float = 10.0) -> TokenCheck:
    if is_placeholder(token):
        return TokenCheck(False, "SLACK_BOT_TOKEN is still the placeholder from .env.example: put your bot token "
                                 f"({WHERE}) in .env, or try Firebell without Slack: `firebell demo`")
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        client = AsyncWebClient(token=token, base_url=api_url or AsyncWebClient.BASE_URL, session=session,
                                timeout=int(timeout))
        try:
            response = await client.auth_test()
        except SlackApiError as error:
            data = error.response.data if isinstance(error.response.data, dict) else {}
            code = str(data.get("error") or f"http_{error.response.status_code}")
            if code in REFUSED:
                return TokenCheck(False, f"Slack refused SLACK_BOT_TOKEN ({code}): copy the current token from "
                                         f"{WHERE} into .env (reinstall the app if it was revoked)")
            return TokenCheck(False, f"Slack could not check SLACK_BOT_TOKEN ({code}); starting anyway",
                              unreachable=True)
        except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as error:
            return TokenCheck(False, f"Slack is not reachable to check SLACK_BOT_TOKEN ({type(error).__name__}); "
                                     "starting anyway", unreachable=True)
    header = next((value for name, value in (response.headers or {}).items() if name.lower() == "x-oauth-scopes"),
                  None)
    if isinstance(header, list):
        header = header[0] if header else None
    scopes = tuple(s.strip() for s in header.split(",") if s.strip()) if isinstance(header, str) else None
    missing = tuple(s for s in MANIFEST_SCOPES if scopes is not None and s not in scopes)
    identity = {key: str(response.get(key) or "") for key in ("team", "user", "user_id", "team_id")}
    return TokenCheck(True, identity=identity, scopes=scopes, missing=missing)


def missing_scopes_line(check: TokenCheck) -> str | None:
    if not check.missing:
        return None
    return (f"the bot token lacks scopes manifest.yml asks for: {', '.join(check.missing)} "
            "(add them under OAuth & Permissions → Scopes, then reinstall the app)")
