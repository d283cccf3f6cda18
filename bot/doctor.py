"""`firebell doctor`: is this installation ready? Settings, the token and its scopes, the feed and ops
channels, and every user, user group and channel id the policy names, asked of Slack. A short report;
a non-zero exit when something will not work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.policy.loader import PolicyError, load_policy
from bot.policy.references import first_run_warnings, grouped
from bot.policy.schema import Policy
from bot.settings import Settings
from bot.slack.tokencheck import check_token, missing_scopes_line

OK, WARN, FAIL = "ok", "warn", "FAIL"
# Reading people and channels needs scopes the bot itself does not (the manifest leaves them out): without
# them the doctor says what it could not check instead of failing.
_OPTIONAL_SCOPE = {"user": "the token lacks users:read, which only the doctor needs",
                   "channel": "the token lacks channels:read, which only the doctor needs",
                   "usergroup": "the token lacks usergroups:read"}


@dataclass(frozen=True)
class Finding:
    level: str
    text: str


class _Slack:
    """The few read-only calls the doctor makes; an error is its Slack code."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def call(self, method: str, **params: Any) -> tuple[dict[str, Any] | None, str | None]:
        try:
            response = await self.client.api_call(method, data=params)
        except SlackApiError as error:
            data = error.response.data if isinstance(error.response.data, dict) else {}
            return None, str(data.get("error") or f"http_{error.response.status_code}")
        except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as error:
            return None, type(error).__name__
        return dict(response.data) if isinstance(response.data, dict) else {}, None


async def _channel(slack: _Slack, role: str, channel_id: str | None) -> Finding:
    if not channel_id:
        what = "set FIREBELL_FEED_CHANNEL or channels.feed" if role == "feed" else "set channels.ops in the policy"
        return Finding(WARN, f"{role} channel: not set ({what})")
    data, error = await slack.call("conversations.info", channel=channel_id)
    if error == "missing_scope":
        return Finding(WARN, f"{role} channel {channel_id}: not checked ({_OPTIONAL_SCOPE['channel']})")
    if data is None:
        return Finding(FAIL, f"{role} channel {channel_id}: {error} (is the id right? Copy it from the channel's "
                             "details)")
    channel = data.get("channel") or {}
    name = f"#{channel.get('name', channel_id)}"
    if channel.get("is_archived"):
        return Finding(FAIL, f"{role} channel {name}: archived, the bot cannot post there")
    if channel.get("is_member"):
        return Finding(OK, f"{role} channel {name}: exists, the bot is a member and can post")
    if channel.get("is_private"):
        return Finding(FAIL, f"{role} channel {name}: private and the bot is not in it (/invite @firebell there)")
    return Finding(OK, f"{role} channel {name}: exists; the bot joins it on its first post")


async def _reference(slack: _Slack, kind: str, slack_id: str, places: list[str]) -> Finding | None:
    where = ", ".join(places[:3]) + (" …" if len(places) > 3 else "")
    if kind == "user":
        data, error = await slack.call("users.info", user=slack_id)
    elif kind == "usergroup":
        data, error = await slack.call("usergroups.users.list", usergroup=slack_id)
    else:
        data, error = await slack.call("conversations.info", channel=slack_id)
    if error == "missing_scope":
        return Finding(WARN, f"policy's {kind} {slack_id} not checked ({_OPTIONAL_SCOPE[kind]})")
    if data is None:
        return Finding(FAIL, f"policy names {kind} {slack_id} at {where}, but Slack says {error}")
    return None


async def diagnose(settings: Settings, policy_path: str | None = None) -> list[Finding]:
    findings = [Finding(OK, f"settings: database {settings.database_url.split('://', 1)[0]}, locale "
                            f"{settings.firebell_locale}, {'socket mode' if settings.socket_mode else 'HTTP'}")]
    policy: Policy | None = None
    try:
        policy = load_policy(policy_path if policy_path is not None else settings.firebell_policy,
                             settings.firebell_locale)
    except PolicyError as error:
        findings.append(Finding(FAIL, f"policy {error.source}: " + "; ".join(error.problems)))
    else:
        findings.append(Finding(OK, f"policy: {len(policy.severities)} severities, "
                                    f"{len(policy.escalation_policies)} escalation policies"))
        findings.extend(Finding(WARN, f"policy: {line}") for line in first_run_warnings(policy))
    token = settings.slack_bot_token.get_secret_value()
    check = await check_token(token, settings.slack_api_url)
    if not check.ok:
        findings.append(Finding(FAIL, f"token: {check.problem}"))
        return findings
    findings.append(Finding(OK, f"token: workspace {check.identity.get('team')}, bot @{check.identity.get('user')}"))
    missing = missing_scopes_line(check)
    if missing:
        findings.append(Finding(FAIL, f"scopes: {missing}"))
    elif check.scopes is None:
        findings.append(Finding(WARN, "scopes: Slack did not report the token's scopes"))
    else:
        findings.append(Finding(OK, "scopes: every scope manifest.yml asks for"))
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session:
        slack = _Slack(AsyncWebClient(token=token, base_url=settings.slack_api_url or AsyncWebClient.BASE_URL,
                                      session=session))
        feed = settings.firebell_feed_channel or (policy.channels.feed if policy else None)
        findings.append(await _channel(slack, "feed", feed))
        findings.append(await _channel(slack, "ops", policy.channels.ops if policy else None))
        if policy is not None:
            unknown = 0
            references = grouped(policy)
            for (kind, slack_id), places in references.items():
                if places and all(p in ("channels.feed", "channels.ops") for p in places):
                    continue  # checked above
                finding = await _reference(slack, kind, slack_id, places)
                if finding is not None:
                    unknown += finding.level == FAIL
                    findings.append(finding)
            if not unknown:
                findings.append(Finding(OK, f"policy ids: all {len(references)} users, groups and channels exist"))
    return findings


def report(findings: list[Finding]) -> tuple[str, int]:
    """The printed report and the exit code: 1 when anything failed."""
    lines = [f"{f.level:<4}  {f.text}" for f in findings]
    failed = sum(f.level == FAIL for f in findings)
    warned = sum(f.level == WARN for f in findings)
    lines.append(f"{failed} problem(s), {warned} warning(s)" if failed or warned else "all good")
    return "\n".join(lines), 1 if failed else 0
