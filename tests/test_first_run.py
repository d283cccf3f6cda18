"""The first real run: the token checked at start-up, `firebell doctor`, the shipped policy in the bot's
language, `policy check` warnings, no announcements nobody asked for, a help answer to DMs, and the
small things (log format, `.env` for `db upgrade`, `.gitignore`)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import policy_check
from bot.doctor import FAIL, OK, WARN, diagnose, report
from bot.firstrun import log_format
from bot.policy.loader import load_policy, parse_policy
from bot.policy.references import first_run_warnings, placeholder_ids
from bot.settings import load_settings
from bot.slack.standin import BOT_TOKEN, StandinWorkspace
from bot.slack.tokencheck import MANIFEST_SCOPES, check_token
from tests.conftest import SIGNING_SECRET, TEST_POLICY, MutableClock

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
async def workspace() -> AsyncIterator[StandinWorkspace]:
    slack = StandinWorkspace()
    slack.add_person("UONCALL1", "On-call One")
    slack.add_person("UCTO", "The CTO")
    await slack.start()
    yield slack
    await slack.close()


def _settings(slack: StandinWorkspace, **overrides: Any) -> Any:
    values: dict[str, Any] = {"slack_bot_token": BOT_TOKEN, "slack_signing_secret": SIGNING_SECRET,
                              "slack_api_url": slack.url, "database_url": "sqlite+aiosqlite:///:memory:",
                              "_env_file": None}
    return load_settings(**{**values, **overrides})


def _cli(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FIREBELL_", "DATABASE_URL", "LOG_"))}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env={**clean, **(env or {})},
                          capture_output=True, text=True, timeout=timeout, check=False)


# --- the token at start-up --------------------------------------------------------------------------------


async def test_token_check_placeholder_refused_scopes(workspace: StandinWorkspace) -> None:
    placeholder = await check_token("xoxb-your-bot-token", workspace.url)
    assert not placeholder.ok and not placeholder.unreachable and "placeholder" in (placeholder.problem or "")
    assert workspace.calls_to("auth.test") == [], "a placeholder is refused without asking Slack"
    refused = await check_token("xoxb-1-wrong", workspace.url)
    assert not refused.ok and "invalid_auth" in (refused.problem or "")
    good = await check_token(BOT_TOKEN, workspace.url)
    assert good.ok and good.missing == () and good.scopes == MANIFEST_SCOPES
    workspace.scopes = ("commands", "chat:write")
    partial = await check_token(BOT_TOKEN, workspace.url)
    assert partial.ok and "usergroups:read" in partial.missing and "chat:write" not in partial.missing


async def test_unreachable_slack_does_not_stop_start_up() -> None:
    check = await check_token(BOT_TOKEN, "http://127.0.0.1:9/api/", timeout=2)
    assert not check.ok and check.unreachable


def test_run_with_the_placeholder_token_stops_with_one_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    result = _cli("run", cwd=tmp_path, env={"PORT": "3999"})
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "placeholder" in lines[0] and "firebell demo" in lines[0], lines
    assert not (tmp_path / "firebell.db").exists(), "nothing started"


def test_manifest_scopes_are_the_ones_checked() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(MANIFEST_SCOPES), \
        "bot/slack/tokencheck.py MANIFEST_SCOPES must list the scopes manifest.yml asks for"
    assert "message.im" in manifest["settings"]["event_subscriptions"]["bot_events"]


async def test_run_logs_a_listening_line_and_json_when_not_a_terminal(workspace: StandinWorkspace,
                                                                      tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": workspace.url,
           "PORT": str(port), "HOST": "127.0.0.1", "DATABASE_URL": f"sqlite:///{tmp_path / 'f.db'}"}
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FIREBELL_", "DATABASE_URL", "LOG_"))}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=tmp_path,
                                                   env={**clean, **env}, stderr=asyncio.subprocess.PIPE)
    try:
        assert process.stderr is not None
        seen: list[str] = []
        async with asyncio.timeout(30):
            while not any(f"listening on http://127.0.0.1:{port}/slack/events" in line for line in seen):
                line = (await process.stderr.readline()).decode()
                assert line, seen
                seen.append(line)
        assert all(line.startswith("{") for line in seen), "JSON lines when stdout is not a terminal"
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


def test_log_format_follows_the_terminal_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    base = {"slack_bot_token": BOT_TOKEN, "slack_signing_secret": SIGNING_SECRET, "_env_file": None}
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert log_format(load_settings(**base)) == "console"
    assert log_format(load_settings(**base, log_format="json")) == "json"
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    assert log_format(load_settings(**base)) == "json"


# --- firebell doctor -----------------------------------------------------------------------------------------


async def test_doctor_finds_missing_channels_and_unknown_ids(workspace: StandinWorkspace, tmp_path: Path) -> None:
    del workspace.channels["COPS"]
    policy = tmp_path / "policy.yml"
    policy.write_text(TEST_POLICY + "channels: {ops: COPS}\npermissions: {declare: [UNOBODY, SLEADS]}\n")
    findings = await diagnose(_settings(workspace, firebell_feed_channel="CMISSING"), str(policy))
    text, code = report(findings)
    assert code == 1, text
    failed = [f.text for f in findings if f.level == FAIL]
    assert any(t.startswith("feed channel CMISSING: channel_not_found") for t in failed), text
    assert any(t.startswith("ops channel COPS: channel_not_found") for t in failed), text
    assert any("user UNOBODY at permissions.declare" in t and "user_not_found" in t for t in failed), text
    assert any("user ULEAD1" in t for t in failed), "notify_on_declare and tiers are checked too"
    assert any("user UMANAGER at manager_tier.users" in t for t in failed), text
    assert not any("UONCALL1" in t or "UCTO" in t or "SLEADS" in t for t in failed), "known ids pass"
    assert text.splitlines()[-1].endswith("warning(s)")


async def test_doctor_all_good_and_a_token_without_scopes(workspace: StandinWorkspace, tmp_path: Path) -> None:
    workspace.add_person("ULEAD1", "Lead")
    workspace.add_person("UMANAGER", "Manager")
    policy = tmp_path / "policy.yml"
    policy.write_text(TEST_POLICY + "channels: {feed: CFEED, ops: COPS}\n")
    findings = await diagnose(_settings(workspace), str(policy))
    text, code = report(findings)
    assert code == 0, text
    assert any(f.level == OK and f.text.startswith("feed channel #incidents: exists; the bot joins") for f in findings)
    assert any(f.level == OK and "ops channel #ops: exists, the bot is a member" in f.text for f in findings)
    workspace.scopes = ("commands",)
    text, code = report(await diagnose(_settings(workspace), str(policy)))
    assert code == 1 and "lacks scopes" in text and "chat:write" in text
    text, code = report(await diagnose(_settings(workspace, slack_bot_token="xoxb-1-revoked"), str(policy)))
    assert code == 1 and "invalid_auth" in text


async def test_doctor_without_read_scopes_says_what_it_could_not_check(workspace: StandinWorkspace,
                                                                       tmp_path: Path) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(TEST_POLICY + "channels: {feed: CFEED, ops: COPS}\n")
    workspace.fail("users.info", "missing_scope", times=10)
    workspace.fail("conversations.info", "missing_scope", times=10)
    findings = await diagnose(_settings(workspace), str(policy))
    text, code = report(findings)
    assert code == 0, text
    assert any(f.level == WARN and "UONCALL1 not checked (the token lacks users:read" in f.text for f in findings)
    assert any(f.level == WARN and f.text.startswith("feed channel CFEED: not checked") for f in findings)


def test_doctor_reports_bad_settings(tmp_path: Path) -> None:
    result = _cli("doctor", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout.startswith("FAIL  settings:"), result.stdout


# --- the shipped policy and policy check -------------------------------------------------------------------


def test_shipped_policy_follows_the_locale() -> None:
    english_policy, korean_policy = load_policy(None, "en"), load_policy(None, "ko")
    assert english_policy.checklists["p0_playbook"].title == "P0 incident playbook"
    assert korean_policy.checklists["p0_playbook"].title == "P0 장애 대응 플레이북"
    assert english_policy.maintenance.recurring["sunday_window"].title == "Scheduled maintenance"
    # The same rules in both: only the texts differ.
    assert [s.model_dump() for s in english_policy.severities] == [s.model_dump() for s in korean_policy.severities]
    assert english_policy.escalation_policies == korean_policy.escalation_policies
    assert {n: c.schedule for n, c in english_policy.checklists.items()} == \
        {n: c.schedule for n, c in korean_policy.checklists.items()}


def _has_hangul(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


def _same_rules(korean: Any, english: Any, path: str, problems: list[str]) -> None:
    """Everything but the texts agrees: keys, list lengths, numbers, durations, ids, crons."""
    if isinstance(korean, dict) and isinstance(english, dict):
        if set(korean) != set(english):
            problems.append(f"{path}: keys {sorted(set(korean) ^ set(english))} in only one file")
        for key in set(korean) & set(english):
            if key != "ko":
                _same_rules(korean[key], english[key], f"{path}.{key}", problems)
    elif isinstance(korean, list) and isinstance(english, list):
        if len(korean) != len(english):
            problems.append(f"{path}: {len(korean)} entries in default.yml, {len(english)} in default.en.yml")
        for index, (k, e) in enumerate(zip(korean, english, strict=False)):
            _same_rules(k, e, f"{path}[{index}]", problems)
    elif isinstance(korean, str) and isinstance(english, str) and _has_hangul(korean):
        if _has_hangul(english):
            problems.append(f"{path}: still Korean in default.en.yml: {english!r}")
    elif korean != english and not (isinstance(korean, str) and isinstance(english, str)
                                    and path.endswith((".title", ".text", ".name"))):
        problems.append(f"{path}: {korean!r} in default.yml, {english!r} in default.en.yml")


def test_english_edition_has_the_same_rules_in_english() -> None:
    shipped = ROOT / "bot" / "policy" / "shipped"
    problems: list[str] = []
    _same_rules(yaml.safe_load((shipped / "default.yml").read_text(encoding="utf-8")),
                yaml.safe_load((shipped / "default.en.yml").read_text(encoding="utf-8")), "", problems)
    assert problems == [], "default.yml and default.en.yml must change together:\n" + "\n".join(problems)


def test_policy_check_warns_about_placeholders_and_ops(capsys: pytest.CaptureFixture[str]) -> None:
    assert policy_check(None) == 0
    out = capsys.readouterr().out
    warnings = [line for line in out.splitlines() if line.startswith("warning: ")]
    assert any("placeholder usergroup id S0ONCALL" in w and "escalation_policies.critical.tiers[0]" in w
               for w in warnings), out
    assert any(w.startswith("warning: channels.ops is not set: scheduled checklists daily_morning") and
               "reminders recovery_test" in w for w in warnings), out
    assert {"S0LEADS", "S0ONCALL"} <= placeholder_ids()
    clean = parse_policy(TEST_POLICY + "channels: {ops: COPS}\n")
    assert first_run_warnings(clean) == []


# --- start-up is quiet, DMs are answered -----------------------------------------------------------------------

WINDOWS = TEST_POLICY + """
channels: {ops: COPS}
maintenance:
  notice_before: 1h
  recurring:
    nightly: {title: Nightly patching, cron: "0 3 * * *", duration: 2h}
"""


async def test_recurring_windows_are_announced_at_their_notice_time(make_harness: Any) -> None:
    # 03:00 in Seoul is 18:00 UTC: the notice is due at 17:00 UTC.
    clock = MutableClock(datetime(2026, 3, 10, 1, 30, tzinfo=UTC))
    app = await make_harness(clock=clock, policy=WINDOWS)
    await app.tick()
    assert app.slack.posts_in("COPS") == [], "nothing is posted at start-up"
    await app.tick(hours=15, minutes=30, seconds=10)
    texts = [m.text or "" for m in app.slack.posts_in("COPS")]
    assert len(texts) == 1 and "Nightly patching* starts" in texts[0] and "Late" not in texts[0], texts


async def test_a_window_under_way_at_start_up_is_not_announced_late(make_harness: Any) -> None:
    clock = MutableClock(datetime(2026, 3, 10, 18, 30, tzinfo=UTC))  # the 18:00–20:00 UTC window is on
    app = await make_harness(clock=clock, policy=WINDOWS)
    await app.tick()
    assert app.slack.posts_in("COPS") == []
    assert await app.firebell.services.maintenance.active_for("db") is not None, "it still counts as active"


async def test_a_dm_to_the_bot_gets_a_short_help_answer(app: Any) -> None:
    await app.event({"type": "message", "channel_type": "im", "channel": "DALICE", "user": "UALICE",
                     "text": "hello?", "ts": "1700000000.000100"})
    answers = app.slack.dms_to("UALICE")
    assert len(answers) == 1 and "/incident declare" in (answers[0].text or "")
    await app.event({"type": "message", "channel_type": "im", "channel": "DALICE", "bot_id": "B0001",
                     "user": "UFIREBELL", "text": "help", "ts": "1700000000.000200"})
    await app.event({"type": "message", "channel_type": "im", "subtype": "message_changed", "channel": "DALICE",
                     "ts": "1700000000.000300"})
    assert len(app.slack.dms_to("UALICE")) == 1, "the bot's own messages and edits are not answered"


# --- the small things ------------------------------------------------------------------------------------------


def test_db_upgrade_reads_dot_env(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite:///./from-dotenv.db\n")
    result = _cli("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "from-dotenv.db").exists()


def test_gitignore_covers_the_database_wal_and_pid_file() -> None:
    ignored = subprocess.run(["git", "check-ignore", "firebell.db", "firebell.db-wal", "firebell.db-shm",
                              "firebell.pid"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert ignored.stdout.split() == ["firebell.db", "firebell.db-wal", "firebell.db-shm", "firebell.pid"]


def test_dm_help_text_in_both_languages() -> None:
    from bot.i18n import Catalog

    assert "/incident declare" in Catalog("en")("dm.help") and "/incident declare" in Catalog("ko")("dm.help")
    assert WARN == "warn"
