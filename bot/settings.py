"""Runtime settings, read once from the environment or `.env` and passed down."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./firebell.db"


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it in one line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr
    slack_signing_secret: SecretStr
    slack_app_token: SecretStr | None = None
    slack_api_url: str | None = None
    port: int = Field(default=3000, ge=1, le=65535)
    host: str = "0.0.0.0"
    database_url: str = DEFAULT_DATABASE_URL
    firebell_feed_channel: str | None = None
    firebell_locale: Literal["en", "ko"] = "en"
    firebell_policy: str | None = None
    firebell_tick_seconds: float = Field(default=1.0, gt=0, le=60)
    # How long a request waits for the database (connect, pool, lock, statement) before it is told
    # "the database is unreachable": short, so every answer still comes within Slack's 3 seconds.
    firebell_db_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    firebell_pid_file: str = "./firebell.pid"
    # Slack's pace (bot/slack/pace.py): 1 = Slack's published limits, 0 = off, 10 = ten times faster.
    firebell_slack_pace: float = Field(default=1.0, ge=0, le=1000)
    # On SIGTERM: how long in-flight requests and deliveries may take before their claims are released.
    firebell_shutdown_grace_seconds: float = Field(default=20.0, ge=0, le=600)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] = "json"

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_shape(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: str) -> str:
        return normalise_database_url(value)

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None


def normalise_database_url(url: str) -> str:
    """Accept the common spellings and pick the async driver we ship."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    if url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
        return url
    raise ValueError("must be sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db")


def load_settings(**overrides: object) -> Settings:
    """Build settings or raise SettingsError with one line naming the bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "settings"
            reason = "is required but not set" if error["type"] == "missing" else error["msg"]
            problems.append(f"{name} {reason}")
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None
