"""What the first real run needs before anything starts: the token checked, logs a person can read,
and the few settings the commands without Slack tokens read from `.env` too."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.policy.references import first_run_warnings
from bot.policy.schema import Policy
from bot.settings import DEFAULT_DATABASE_URL, Settings
from bot.slack.tokencheck import check_token, missing_scopes_line


class EnvOnly(BaseSettings):
    """What `db upgrade` and `policy check` read, the way `run` reads it (environment, then .env)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")
    database_url: str = DEFAULT_DATABASE_URL
    firebell_locale: Literal["en", "ko"] = "en"


def env_locale() -> str:
    """FIREBELL_LOCALE as `run` would read it; English when it is unset or not one Firebell speaks."""
    try:
        return EnvOnly().firebell_locale
    except ValueError:
        return "en"


def log_format(settings: Settings) -> str:
    """LOG_FORMAT when it is set; otherwise human-readable on a terminal and JSON lines elsewhere."""
    if "log_format" in settings.model_fields_set:
        return settings.log_format
    return "console" if sys.stdout.isatty() else "json"


def token_gate(settings: Settings) -> int | None:
    """Check the bot token before start-up: an exit code (2) after one line on stderr when it cannot work,
    None to go ahead (a warning line first when scopes are missing or Slack did not answer)."""
    check = asyncio.run(check_token(settings.slack_bot_token.get_secret_value(), settings.slack_api_url))
    if not check.ok and not check.unreachable:
        print(f"firebell: {check.problem}", file=sys.stderr)
        return 2
    if check.unreachable:
        print(f"firebell: warning: {check.problem}", file=sys.stderr)
    missing = missing_scopes_line(check)
    if missing:
        print(f"firebell: warning: {missing}", file=sys.stderr)
    return None


def startup_warning(policy: Policy) -> str | None:
    """One line at start-up for what the policy will skip (the details: `firebell policy check`)."""
    warnings = first_run_warnings(policy)
    if not warnings:
        return None
    return (f"the policy has {len(warnings)} gap(s) (placeholder ids, no ops channel): some pages, checklists or "
            "reminders will be skipped; `firebell policy check` names them, `firebell doctor` checks Slack")


class _BoltStartupNoise(logging.Filter):
    """Bolt warns that the token it found in SLACK_BOT_TOKEN is unused: Firebell hands it a client and an
    `authorize` on purpose (bot/slack/identity.py), so those two lines only alarm people."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not message.startswith(("As you gave `client` as well", "As `installation_store` or `authorize`"))


def quiet_bolt_startup() -> None:
    logging.getLogger("slack_bolt.AsyncApp").addFilter(_BoltStartupNoise())


def listening_line(settings: Settings) -> str:
    return f"listening on http://{settings.host}:{settings.port}/slack/events"
