"""The policy file: the shipped ones load, and each class of error says where and what."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.policy.fields import parse_duration
from bot.policy.loader import PolicyError, PolicyHolder, load_policy, parse_policy

ROOT = Path(__file__).resolve().parents[1]

VALID = """
timezone: Asia/Seoul
severities:
  - {id: P1, name: {en: Major, ko: 중대}, ack_within: 15m, resolve_within: 4h, escalation: main}
escalation_policies:
  main:
    tiers:
      - {users: [U123], wait: 30m}
"""


def test_shipped_policy_encodes_the_seeds() -> None:
    policy = load_policy(None)
    assert policy.timezone == "Asia/Seoul"
    p0, p1 = policy.severity("P0"), policy.severity("P1")
    assert p0 is not None and p1 is not None
    assert (p0.ack_within, p0.resolve_within, p0.update_every) == (
        timedelta(minutes=5), timedelta(hours=1), timedelta(minutes=15))
    assert (p1.ack_within, p1.resolve_within) == (timedelta(minutes=15), timedelta(hours=4))
    assert (p0.broadcast.value, p1.broadcast.value, policy.severity("P2").broadcast.value) == (  # type: ignore[union-attr]
        "channel", "here", "none")
    major = policy.escalation_for("P1")
    # 003: escalate after 30 minutes: the tech lead is paged at minute 30 from the declaration, not 15 + 30.
    assert major is not None and [t.at for t in major.tiers][:2] == [timedelta(minutes=15), timedelta(minutes=30)]
    assert [t.name for t in policy.escalation_policies["critical"].tiers] == ["L1 on-call", "L2 tech lead", "L3 CTO"]
    assert p0.notify_on_declare is not None


def test_korean_example_matches_the_shipped_severities() -> None:
    shipped = load_policy(None)
    korean = load_policy(str(ROOT / "bot" / "policy" / "shipped" / "example.ko.yml"))
    assert [s.model_dump() for s in korean.severities] == [s.model_dump() for s in shipped.severities]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30s", timedelta(seconds=30)), ("5m", timedelta(minutes=5)), ("2h", timedelta(hours=2)),
     ("1d", timedelta(days=1)), ("1w", timedelta(weeks=1)), (90, timedelta(seconds=90))],
)
def test_durations(text: object, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("15m", "15 minutes"), "severities[0].ack_within: expected a duration like 30s, 5m, 2h, 1d or 1w"),
        (("15m", "0m"), "severities[0].ack_within: must be positive"),
        (("Asia/Seoul", "Mars/Olympus"), "timezone: unknown time zone 'Mars/Olympus'"),
        (("U123", "bob"), "escalation_policies.main.tiers[0].users: not Slack user ids (U…): bob"),
        (("wait: 30m", "wiat: 30m"), "escalation_policies.main.tiers[0].wiat: unknown field"),
        (("escalation: main", "escalation: missing"), "names escalation policy 'missing', which does not exist"),
        (("ko: 중대", "kr: 중대"), "severities[0].name: needs a name in every language; missing ko"),
        (("{users: [U123], wait: 30m}", "{wait: 30m}"), "a tier needs at least one target"),
        (("timezone: Asia/Seoul\n", ""), "timezone: required field is missing"),
        (("id: P1", "id: Sev1"), "severities[0].id: String should match pattern"),
    ],
)
def test_each_error_names_its_field(change: tuple[str, str], message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(VALID.replace(*change), "test.yml")
    assert any(message in problem for problem in caught.value.problems), caught.value.problems


@pytest.mark.parametrize(
    ("cron", "message"),
    [("61 9 * * *", "the last value (61) is higher than the maximum value (59)"),
     ("0 9 * *", "expected 5 fields"),
     ("0 9 * * someday", "unknown weekday"),
     ("0 2 1 * tue#2", "use weekday#n")],
)
def test_bad_cron_is_reported_with_its_path(cron: str, message: str) -> None:
    text = VALID + f"checklists:\n  daily:\n    title: Daily\n    schedule: {{cron: \"{cron}\"}}\n" \
        "    items: [{text: Check}]\n"
    with pytest.raises(PolicyError) as caught:
        parse_policy(text)
    assert any(p.startswith("checklists.daily.schedule.cron:") and message in p for p in caught.value.problems), (
        caught.value.problems)


def test_recurring_window_longer_than_the_limit() -> None:
    text = VALID + "maintenance:\n  max_duration: 2h\n  recurring:\n" \
        "    nightly: {title: Nightly, cron: \"0 2 * * *\", duration: 3h}\n"
    with pytest.raises(PolicyError) as caught:
        parse_policy(text)
    assert any("recurring window nightly lasts 3h, longer than max_duration 2h" in p
               for p in caught.value.problems), caught.value.problems


def test_duplicate_severity_ids() -> None:
    text = VALID + "  - {id: P1, name: {en: Again, ko: 다시}, ack_within: 1m, resolve_within: 1h}\n"
    text = text.replace("escalation_policies:\n  main:\n    tiers:\n      - {users: [U123], wait: 30m}\n", "")
    text = text.replace(", escalation: main", "")
    with pytest.raises(PolicyError) as caught:
        parse_policy(text)
    assert any("repeated: P1" in p for p in caught.value.problems)


def test_not_yaml() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy("severities: [unclosed")
    assert "not valid YAML" in caught.value.problems[0]


def test_reload_keeps_the_old_policy_when_the_new_one_is_bad(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text(VALID)
    holder = PolicyHolder(load_policy(str(path)), str(path))
    path.write_text(VALID.replace("15m", "soon"))
    with pytest.raises(PolicyError):
        holder.reload()
    assert holder.policy.severity("P1").ack_within == timedelta(minutes=15)  # type: ignore[union-attr]
    path.write_text(VALID.replace("15m", "20m"))
    holder.reload()
    assert holder.severities["P1"].ack_within == timedelta(minutes=20)


def test_cli_policy_check(tmp_path: Path) -> None:
    ok = subprocess.run([sys.executable, "-m", "bot", "policy", "check"], capture_output=True, text=True,
                        timeout=60)
    assert ok.returncode == 0
    assert ok.stdout.startswith("ok: timezone Asia/Seoul, 5 severities, 3 escalation policies, 0 rotations")
    bad = tmp_path / "bad.yml"
    bad.write_text(VALID.replace("15m", "15 minutes").replace("wait: 30m", "wiat: 30m"))
    result = subprocess.run([sys.executable, "-m", "bot", "policy", "check", str(bad)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1
    assert "severities[0].ack_within" in result.stderr and "tiers[0].wiat: unknown field" in result.stderr
    assert "Traceback" not in result.stderr
