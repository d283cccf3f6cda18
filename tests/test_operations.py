"""Running Firebell: settings, health, restarts, migrations, logs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import structlog
from aiohttp.test_utils import TestServer

from bot.app import create_app
from bot.logging import configure_logging, get_logger
from bot.settings import SettingsError, load_settings
from bot.slack.standin import BOT_TOKEN
from tests.conftest import SIGNING_SECRET, Harness

ROOT = Path(__file__).resolve().parents[1]


async def test_restart_on_the_same_database(make_harness: Any) -> None:
    first = await make_harness()
    await first.command("declare P1 Before the restart")
    await first.command("declare P2 Also before")
    await first.close()

    second = await make_harness()
    await second.command("list")
    listing = second.last_response()
    assert "Before the restart" in listing and "Also before" in listing
    await second.command("ack 1")
    assert second.last_response() == "Incident #1 acknowledged."
    await second.command("declare P3 After the restart")
    assert any("Incident #3 declared" in text for text in second.slack.response_texts())
    # The live message posted by the first process is updated by the second.
    channel = second.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    live = next(m for m in second.slack.posts_in(channel["id"]) if m.blocks)
    assert live.history and "acknowledged" in str(live.blocks)


async def test_healthz_ok(app: Harness) -> None:
    response = await app.http.get(str(app.server.make_url("/healthz")))
    assert response.status == 200
    assert (await response.json()).items() >= {"status": "ok", "db": "ok"}.items()


async def test_healthz_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    settings = load_settings(slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET, _env_file=None,
                             database_url=f"sqlite+aiosqlite:///{tmp_path}/missing/dir/firebell.db")
    firebell = create_app(settings)
    server = TestServer(firebell.web, host="127.0.0.1")
    await server.start_server()
    try:
        import aiohttp

        async with aiohttp.ClientSession() as http:
            response = await http.get(str(server.make_url("/healthz")))
            assert response.status == 503
            assert (await response.json())["db"] == "unreachable"
    finally:
        await server.close()
        await firebell.close()


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"slack_signing_secret": "s"}, "SLACK_BOT_TOKEN is required"),
        ({"slack_bot_token": "xoxb-1"}, "SLACK_SIGNING_SECRET is required"),
        ({"slack_bot_token": "xoxp-user", "slack_signing_secret": "s"}, "SLACK_BOT_TOKEN"),
        ({"slack_bot_token": "xoxb-1", "slack_signing_secret": "s", "port": "eighty"}, "PORT"),
        ({"slack_bot_token": "xoxb-1", "slack_signing_secret": "s", "database_url": "mysql://x"}, "DATABASE_URL"),
        ({"slack_bot_token": "xoxb-1", "slack_signing_secret": "s", "firebell_locale": "fr"}, "FIREBELL_LOCALE"),
    ],
)
def test_bad_settings_name_the_setting(overrides: dict[str, Any], named: str, monkeypatch: Any) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DATABASE_URL", "PORT", "FIREBELL_LOCALE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None, **overrides)
    message = str(caught.value)
    assert named in message and "\n" not in message
    assert "xoxb-1" not in message


def test_postgres_urls_are_normalised() -> None:
    settings = load_settings(slack_bot_token="xoxb-1", slack_signing_secret="s", _env_file=None,
                             database_url="postgresql://postgres@127.0.0.1:5432/test")
    assert settings.database_url == "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def test_cli_run_without_settings_prints_one_line(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "FIREBELL_"))}
    result = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "SLACK_BOT_TOKEN is required" in lines[0] and "Traceback" not in result.stderr


def test_cli_db_upgrade(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/cli.db"}
    for _ in range(2):  # idempotent
        result = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "database is up to date" in result.stdout
    assert (tmp_path / "cli.db").exists()


def test_secrets_never_reach_the_log(capsys: Any) -> None:
    configure_logging("DEBUG", "json")
    try:
        get_logger("test").info("calling slack", token=BOT_TOKEN, note=f"header Bearer {BOT_TOKEN}",
                                signing_secret=SIGNING_SECRET)
        import logging

        logging.getLogger("slack_sdk.web").debug("Sending a request - headers: {'Authorization': 'Bearer %s'}",
                                                  BOT_TOKEN)
    finally:
        structlog.reset_defaults()
        logging_root = __import__("logging").getLogger()
        logging_root.handlers.clear()
    err = capsys.readouterr().err
    assert BOT_TOKEN not in err and SIGNING_SECRET not in err
    lines = [json.loads(line) for line in err.strip().splitlines()]
    assert lines[0]["token"] == "[redacted]"


async def test_one_log_line_per_request_with_type_user_incident_latency(app: Harness) -> None:
    await app.command("declare P2 Logged")
    with structlog.testing.capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        await app.command("ack 1", user="UBOB")
    handled = [entry for entry in logs if entry["event"] == "request_handled"]
    assert len(handled) == 1
    assert handled[0]["outcome"] == "ok"
    assert handled[0]["latency_ms"] >= 0
    assert handled[0]["incident"] == 1
    assert handled[0]["user"] == "UBOB"
    assert handled[0]["request_type"] == "command"
