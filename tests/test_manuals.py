"""One test per manual policy in policies/manuals/: each file passes `policy check`, and its rules work
through the real HTTP path with a hand-moved clock (severity targets, who is paged at which minute,
checklist schedules across holidays, maintenance windows and notices, reminders, timed playbooks)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.cli import policy_check
from bot.slack.standin import BOT_USER, FakeSlack
from tests.conftest import Harness, MutableClock
from tests.test_manual_rules import run_dates, run_until

MANUALS = Path(__file__).resolve().parents[1] / "policies" / "manuals"
SEOUL = ZoneInfo("Asia/Seoul")
FILES = ["000-template.yml", "001-incident-policy.yml", "002-operations.yml", "003-shorts-service.yml",
         "004-cicd-platform.yml"]


def seoul(*args: int) -> datetime:
    return datetime(*args, tzinfo=SEOUL).astimezone(UTC)  # type: ignore[misc]


def manual(name: str, *, keep_checklists: set[str] | None = None, keep_reminders: set[str] | None = None) -> str:
    """The manual's policy; a test about some schedules may leave the others out, to keep it short."""
    text = (MANUALS / name).read_text(encoding="utf-8")
    if keep_checklists is None and keep_reminders is None:
        return text
    data = yaml.safe_load(text)
    if keep_checklists is not None:
        data["checklists"] = {k: v for k, v in data.get("checklists", {}).items() if k in keep_checklists}
        for severity in [*data["severities"], *data.get("incident_types", {}).values()]:
            if severity.get("checklist") not in data["checklists"]:
                severity.pop("checklist", None)
    if keep_reminders is not None:
        data["reminders"] = {k: v for k, v in data.get("reminders", {}).items() if k in keep_reminders}
    return yaml.safe_dump(data, allow_unicode=True)


def workspace(slack: FakeSlack, channels: list[str], groups: dict[str, list[str]]) -> None:
    """The channels and user groups the manual names, as a workspace would have them."""
    for channel in channels:
        slack.add_channel(channel, channel.lower(), members={BOT_USER})
    slack.usergroups.update(groups)


def dm_count(app: Harness, user: str) -> int:
    return len(app.slack.dms_to(user))


def posts(app: Harness, channel: str, text: str) -> list[Any]:
    return [m for m in app.slack.posts_in(channel) if text in (m.text or "") or text in str(m.blocks or "")]


@pytest.mark.parametrize("name", FILES)
def test_every_manual_passes_policy_check(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert policy_check(str(MANUALS / name)) == 0
    assert capsys.readouterr().out.startswith("ok: timezone Asia/Seoul")


async def test_000_template_support_hours_emergency_notice_and_sunday_maintenance(
        make_harness: Any, slack: FakeSlack) -> None:
    workspace(slack, ["C0OPS", "C0INCIDENTS"], {"S0FIRSTLINE": ["UFIRST"], "S0SECONDLINE": ["USECOND"],
                                                 "S0DECISION": ["UBOSS"]})
    # Saturday 2026-09-19 23:00: a Medium incident waits for support hours (Monday 09:00, + 4h to acknowledge);
    # a Critical one is paged after 15 minutes, at night (24시간 365일).
    app = await make_harness(policy=manual("000-template.yml"), clock=MutableClock(seoul(2026, 9, 19, 23, 0)),
                             feed="C0INCIDENTS")
    await app.command("declare P3 주문 목록 정렬 오류")
    await app.command("declare P1 주문 전체 불가")
    await app.tick(minutes=15)
    assert dm_count(app, "UFIRST") == 1, "only the Critical incident"
    app.clock.current = seoul(2026, 9, 21, 12, 59)
    await run_until(app, app.clock.current)
    first = dm_count(app, "UFIRST")
    app.clock.current = seoul(2026, 9, 21, 13, 0)
    await app.tick()
    assert dm_count(app, "UFIRST") == first + 1, "the Medium incident, four hours into Monday's support hours"
    # 제1조 긴급 점검 (notice 30 min) and 제6조 보안 패치 (1 day).
    refused = await app.answer(await app.command("schedule 14:00 1h 보안 패치 적용 kind:security_patch",
                                                 command="/maintenance"))
    assert "needs 1 d 0 h of notice" in refused
    await app.command("schedule 14:00 1h DB 재시작 kind:emergency", command="/maintenance")
    assert posts(app, "C0OPS", "[Emergency maintenance] DB 재시작")
    # The Sunday window (02:00–06:00) and its checklist.
    app.clock.current = seoul(2026, 9, 27, 2, 0)
    await run_until(app, app.clock.current)
    assert posts(app, "C0OPS", "정기 점검")
    assert date(2026, 9, 27) in await run_dates(app, "regular_maintenance")


async def test_001_severity_starts_at_its_team_and_escalates_upward(make_harness: Any, slack: FakeSlack) -> None:
    workspace(slack, ["C0INCIDENTS"], {"S0L2": ["UENGINEER"], "S0L3": ["UARCHITECT"], "S0OPSLEAD": ["UOPSLEAD"],
                                       "S0DEVLEAD": ["UDEVLEAD"], "S0INFRALEAD": ["UINFRALEAD"],
                                       "S0OPS": ["UOPS"], "S0DEV": ["UDEV"], "S0L1ONCALL": []})
    app = await make_harness(policy=manual("001-incident-policy.yml"), feed="C0INCIDENTS",
                             clock=MutableClock(seoul(2026, 3, 4, 11, 0)))
    # Critical: the L3 team and the three leads at once; L3 again at 5 minutes; never L1 or L2.
    await app.command("declare P1 결제 데이터 유출 의심")
    assert {dm_count(app, u) for u in ("UARCHITECT", "UOPSLEAD", "UDEVLEAD", "UINFRALEAD")} == {1}
    await app.tick(minutes=5)
    assert dm_count(app, "UARCHITECT") == 2 and dm_count(app, "UENGINEER") == 0
    assert dm_count(app, "U0OPERATOR1") == dm_count(app, "U0OPERATOR2") == 0
    # Major: starts at L2 after its 2 hours, then L3 after 2 more.
    await app.command("declare P2 검색 응답 10초")
    await app.tick(hours=1, minutes=55)
    assert dm_count(app, "UENGINEER") == 0
    await app.tick(minutes=5)
    assert dm_count(app, "UENGINEER") == 1
    architect = dm_count(app, "UARCHITECT")
    await app.tick(hours=2)
    assert dm_count(app, "UARCHITECT") == architect + 1
    # Minor: the L1 operator on call is mentioned in the incident channel after 4 hours, then L2.
    await app.command("declare P3 통계 화면 일부 오류")
    await app.tick(hours=4)
    channel = app.slack.channel_by_name_prefix("inc-3-")
    assert channel is not None and posts(app, channel["id"], "L1 지원팀")


async def test_002_security_and_disaster_recovery_procedures_and_the_working_week(
        make_harness: Any, slack: FakeSlack) -> None:
    workspace(slack, ["C0OPSALERTS"], {"S0OPSMANAGER": ["UMANAGER"], "S0CTO": ["UCTO"], "S0ONDUTY": []})
    app = await make_harness(policy=manual("002-operations.yml"), feed="C0OPSALERTS",
                             clock=MutableClock(seoul(2026, 3, 4, 11, 0)))
    # 6.3: detect 5 min, isolate 15, analyse 30, recover 1 h, follow-up 24 h, each phase announced when due.
    await app.command("declare type:security P1 관리자 계정 비정상 로그인")
    await app.tick()
    channel = app.slack.channel_by_name_prefix("sec-1-")
    assert channel is not None
    assert str(app.slack.calls_to("conversations.create")[0]["is_private"]).lower() in ("true", "1")
    assert not [m for m in app.slack.posts_in("C0OPSALERTS") if "관리자 계정" in f"{m.text} {m.blocks}"]
    assert posts(app, channel["id"], "1. 탐지 (0m–5m)")
    for minute, phase in ((5, "2. 격리 (5m–20m)"), (20, "3. 분석 (20m–50m)"), (50, "4. 복구 (50m–1h50m)")):
        app.clock.current = seoul(2026, 3, 4, 11, 0) + (seoul(2026, 1, 1, 0, minute) - seoul(2026, 1, 1))
        await app.tick()
        assert posts(app, channel["id"], phase), phase
    # 9.2 재해 복구: 10 min, 30 min, 2 h, 30 min, 24 h.
    await app.command("declare type:disaster_recovery P1 Supabase 장애")
    await app.tick()
    dr = app.slack.channel_by_name_prefix("dr-2-")
    assert dr is not None and posts(app, dr["id"], "1. 상황 파악 (0m–10m)")
    await app.tick(minutes=40)
    assert posts(app, dr["id"], "3. 복구 작업 (40m–2h40m)")


async def test_002_checklists_keep_to_working_days_around_seollal(make_harness: Any, slack: FakeSlack) -> None:
    workspace(slack, ["C0OPSALERTS"], {"S0ONDUTY": []})
    policy = manual("002-operations.yml", keep_checklists={"morning", "monday", "tuesday", "wednesday"},
                    keep_reminders=set())
    app = await make_harness(policy=policy, feed="C0OPSALERTS", clock=MutableClock(seoul(2026, 2, 12, 12, 0)))
    await run_until(app, seoul(2026, 2, 24, 23, 0))
    # 설날 2026: Mon 16 – Wed 18 Feb. Morning checks skip it; the weekly checks of those days move to Thursday.
    assert await run_dates(app, "morning") == [date(2026, 2, d) for d in (13, 19, 20, 23, 24)]
    assert await run_dates(app, "monday") == [date(2026, 2, 19), date(2026, 2, 23)]
    assert await run_dates(app, "tuesday") == [date(2026, 2, 19), date(2026, 2, 24)]
    assert await run_dates(app, "wednesday") == [date(2026, 2, 19)]


async def test_003_who_is_paged_at_which_minute_and_the_p0_playbook(make_harness: Any, slack: FakeSlack) -> None:
    workspace(slack, ["C0INCIDENT", "C0OPS"], {"S0ONCALL": ["UONCALL"], "S0TECHLEAD": ["UTECHLEAD"],
                                               "S0CTO": ["UCTO"], "S0OWNER": ["USERVICEOWNER"]})
    app = await make_harness(policy=manual("003-shorts-service.yml"), feed="C0INCIDENT",
                             clock=MutableClock(seoul(2026, 3, 7, 3, 0)))  # a Saturday night: 24/7
    # P1: On-call Engineer at once, Service Owner at minute 30 ("30분 후"), not 45.
    await app.command("declare P1 영상 재생 불가")
    await app.tick()
    assert dm_count(app, "UONCALL") == 1
    await app.tick(minutes=29, seconds=59)
    assert dm_count(app, "USERVICEOWNER") == 0
    await app.tick(seconds=1)
    assert dm_count(app, "USERVICEOWNER") == 1
    # P0: On-call, Tech Lead and CTO at once ("즉시"), again at 5 minutes if nobody acknowledged.
    await app.command("declare P0 모든 사용자 로그인 불가")
    await app.tick()
    assert dm_count(app, "UTECHLEAD") == 1 and dm_count(app, "UCTO") == 1
    channel = app.slack.channel_by_name_prefix("inc-2-")
    assert channel is not None and posts(app, channel["id"], "1단계: 감지 및 초기 대응 (0m–5m)")
    await app.tick(minutes=5)
    assert dm_count(app, "UCTO") == 2
    assert posts(app, channel["id"], "2단계: 진단 및 완화 (5m–15m)")
    await app.tick(minutes=10)
    assert posts(app, channel["id"], "3단계: 복구 및 검증 (15m–1h)")
    # The commander (the declarer) is nudged about the first phase's open items.
    assert any("1단계" in (m.text or "") for m in app.slack.dms_to("UALICE"))


async def test_003_support_ticket_escalation(make_harness: Any, slack: FakeSlack) -> None:
    workspace(slack, ["C0INCIDENT", "C0OPS"], {"S0ONCALL": ["UONCALL"], "S0TECHLEAD": ["UTEAMLEAD"],
                                               "S0SUPPORTMANAGER": ["USUPPORTMANAGER"]})
    policy = manual("003-shorts-service.yml", keep_checklists={"p0_playbook"}, keep_reminders=set())
    app = await make_harness(policy=policy, feed="C0INCIDENT", clock=MutableClock(seoul(2026, 3, 4, 11, 0)))
    # An urgent ticket goes to the Team Lead at once; any ticket unanswered for 24 hours to the Manager.
    await app.command("declare type:support P0 결제 환불 요청 급증")
    await app.command("declare type:support P2 이메일 인증 메일 미수신")
    await app.tick()
    assert dm_count(app, "UTEAMLEAD") == 1 and dm_count(app, "UONCALL") == 0
    assert app.slack.channel_by_name_prefix("sup-1-") is not None
    await app.tick(hours=23, minutes=59)
    assert dm_count(app, "USUPPORTMANAGER") == 0
    await app.tick(minutes=1)
    assert dm_count(app, "USUPPORTMANAGER") == 2


async def test_003_daily_checklists_every_day_and_monday_db_maintenance(make_harness: Any, slack: FakeSlack) -> None:
    workspace(slack, ["C0INCIDENT", "C0OPS"], {})
    policy = manual("003-shorts-service.yml", keep_checklists={"morning"}, keep_reminders={"friday_deploy"})
    app = await make_harness(policy=policy, feed="C0INCIDENT", clock=MutableClock(seoul(2026, 2, 13, 12, 0)))
    await run_until(app, seoul(2026, 2, 20, 23, 0))
    # "일일 운영 체크리스트": every day, 설날 included (the manual names no days off).
    assert await run_dates(app, "morning") == [date(2026, 2, d) for d in range(14, 21)]
    assert posts(app, "C0OPS", "DB 유지보수")
    assert posts(app, "C0OPS", "14:00 정기 배포가 시작됩니다")


async def test_004_targets_contacts_and_the_patch_window(make_harness: Any, slack: FakeSlack) -> None:
    workspace(slack, ["C0OPERATIONS"], {"S0ONCALL": ["UONCALL"], "S0CTO": ["UCTO"], "S0CEO": ["UCEO"],
                                        "S0DEVLEAD": ["UDEVLEAD"], "S0DEVOPSLEAD": ["UDEVOPSLEAD"],
                                        "S0DEVELOPERS": ["UDEVELOPER"], "S0DEVOPS": ["UDEVOPS"]})
    policy = manual("004-cicd-platform.yml", keep_checklists={"response"}, keep_reminders={"recovery_test"})
    app = await make_harness(policy=policy, feed="C0OPERATIONS", clock=MutableClock(seoul(2026, 3, 4, 11, 0)))
    # P0 15분 이내 → CTO, CEO; P1 1시간 이내 → 개발팀장, DevOps 팀장; P2 4시간 → 담당 개발자.
    await app.command("declare P0 전체 서비스 중단")
    await app.command("declare P1 파이프라인 실행 불가")
    await app.command("declare P2 배포 로그 일부 누락")
    await app.tick()
    assert dm_count(app, "UONCALL") == 2
    await app.tick(minutes=14, seconds=59)
    assert dm_count(app, "UCTO") == 0
    await app.tick(seconds=1)
    assert dm_count(app, "UCTO") == dm_count(app, "UCEO") == 1
    await app.tick(minutes=45)
    assert dm_count(app, "UDEVLEAD") == dm_count(app, "UDEVOPSLEAD") == 1
    await app.tick(hours=3)
    assert dm_count(app, "UDEVELOPER") == 1
    # 보안 패치: the second Tuesday of the month, 02:00, noticed a day ahead; 월간 복구 테스트: second Saturday.
    await run_until(app, seoul(2026, 3, 15, 0, 0))
    assert posts(app, "C0OPERATIONS", "월간 복구 테스트일입니다")  # Saturday 14 March
    assert posts(app, "C0OPERATIONS", "[Security patch] 월간 보안 패치")  # announced for Tuesday 10 March


async def test_004_quarterly_checklist_never_on_new_year(make_harness: Any, slack: FakeSlack) -> None:
    workspace(slack, ["C0OPERATIONS"], {})
    policy = manual("004-cicd-platform.yml", keep_checklists={"quarterly", "monthly"}, keep_reminders=set())
    data = yaml.safe_load(policy)
    data["maintenance"]["recurring"] = {}
    app = await make_harness(policy=yaml.safe_dump(data, allow_unicode=True), feed="C0OPERATIONS",
                             clock=MutableClock(seoul(2025, 12, 31, 12, 0)))
    await run_until(app, seoul(2027, 12, 31, 23, 0))
    assert await run_dates(app, "quarterly") == [
        date(2026, 1, 2), date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1),
        date(2027, 1, 4), date(2027, 4, 1), date(2027, 7, 1), date(2027, 10, 1),
    ]
    monthly = await run_dates(app, "monthly")
    assert len(monthly) == 24 and all(d.day <= 8 for d in monthly)
    # The first Monday of March 2026 is 2 March, 삼일절's substitute holiday: moved to Tuesday 3 March.
    assert date(2026, 3, 3) in monthly and date(2026, 3, 2) not in monthly
