"""The manuals' rules in the policy format, over HTTP with a hand-moved clock: severity descriptions, where
escalation starts and tier times from the declaration, business hours and holidays (a whole year of dates,
Korean holidays of 2026 and 2027), pages deferred outside support hours, timed playbooks, and maintenance
notices per kind of change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.policy.loader import PolicyError, parse_policy
from storage.models import ChecklistRun, ScheduledJob
from tests.conftest import Harness, MutableClock

SEOUL = ZoneInfo("Asia/Seoul")

# Korean public holidays (관공서의 공휴일에 관한 규정), substitute holidays included, written out by hand so
# the test does not take the `holidays` package's word for them.
KOREAN_HOLIDAYS = {
    date(2026, 1, 1), date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18),  # 신정, 설날
    date(2026, 3, 1), date(2026, 3, 2), date(2026, 5, 1), date(2026, 5, 5), date(2026, 5, 24), date(2026, 5, 25),
    date(2026, 6, 3), date(2026, 6, 6), date(2026, 7, 17), date(2026, 8, 15), date(2026, 8, 17),
    date(2026, 9, 24), date(2026, 9, 25), date(2026, 9, 26),  # 추석
    date(2026, 10, 3), date(2026, 10, 5), date(2026, 10, 9), date(2026, 12, 25),
    date(2027, 1, 1), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8), date(2027, 2, 9),  # 설날 + 대체
    date(2027, 3, 1), date(2027, 5, 1), date(2027, 5, 3), date(2027, 5, 5), date(2027, 5, 13), date(2027, 6, 6),
    date(2027, 7, 17), date(2027, 7, 19), date(2027, 8, 15), date(2027, 8, 16),
    date(2027, 9, 14), date(2027, 9, 15), date(2027, 9, 16),  # 추석
    date(2027, 10, 3), date(2027, 10, 4), date(2027, 10, 9), date(2027, 10, 11), date(2027, 12, 25),
    date(2027, 12, 27),
}
COMPANY_DAY = date(2026, 12, 31)  # 종무식, listed in the policy


def seoul(*args: int) -> datetime:
    return datetime(*args, tzinfo=SEOUL).astimezone(UTC)  # type: ignore[misc]


def working(day: date) -> bool:
    return day.weekday() < 5 and day not in KOREAN_HOLIDAYS and day != COMPANY_DAY


CALENDAR = """
calendar:
  working_days: [mon, tue, wed, thu, fri]
  working_hours: "09:00-18:00"
  holidays: {country: KR}
  company_days: [{date: 2026-12-31, name: 종무식}]
"""

DAILY_POLICY = """
timezone: Asia/Seoul
severities:
  - {id: P2, name: {en: Minor, ko: 경미}, ack_within: 1h, resolve_within: 1d}
channels: {ops: COPS}
checklists:
  daily:
    title: 오전 점검
    schedule: {cron: "0 9 * * *", due_after: 1h, business_days: true}
    items: [{text: 야간 알림 확인}]
""" + CALENDAR

QUARTERLY_POLICY = """
timezone: Asia/Seoul
severities:
  - {id: P2, name: {en: Minor, ko: 경미}, ack_within: 1h, resolve_within: 1d}
channels: {ops: COPS}
checklists:
  quarterly:
    title: 분기별 운영 체크리스트
    schedule: {cron: "0 10 1 1,4,7,10 *", due_after: 1w, business_days: next}
    items: [{text: 재해 복구 훈련}]
reminders:
  weekly: {cron: "0 10 * * mon", text: 주간 계획 수립, business_days: skip}
""" + CALENDAR


async def run_dates(app: Harness, template: str) -> list[date]:
    async with app.firebell.services.sessions() as session:
        rows = (await session.execute(select(ChecklistRun).where(ChecklistRun.template == template)
                                      .order_by(ChecklistRun.started_at))).scalars()
        return [row.started_at.astimezone(SEOUL).date() for row in rows]


async def next_due(app: Harness) -> datetime | None:
    async with app.firebell.services.sessions() as session:
        row = (await session.execute(select(ScheduledJob.due_at).where(ScheduledJob.state == "pending")
                                     .order_by(ScheduledJob.due_at).limit(1))).scalar()
        return row


async def run_until(app: Harness, end: datetime) -> None:
    """Jump from one due timer to the next until `end`, firing each as the wake-up loop would."""
    while (due := await next_due(app)) is not None and due <= end:
        app.clock.current = max(app.clock.current, due)
        await app.tick()


async def test_daily_checklist_runs_on_every_working_day_of_2026_only(make_harness: Any) -> None:
    app = await make_harness(policy=DAILY_POLICY, clock=MutableClock(seoul(2025, 12, 31, 12, 0)))
    await run_until(app, seoul(2026, 12, 31, 23, 0))
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]
    daily = await run_dates(app, "daily")
    assert daily == [d for d in days if working(d)]
    # 설날 and 추석 have no morning check; the first day back does; nor does the company's 종무식.
    assert not set(daily) & {date(2026, 2, 17), date(2026, 9, 25), COMPANY_DAY}
    assert {date(2026, 2, 19), date(2026, 9, 28)} <= set(daily)


def test_the_calendar_knows_every_day_of_2027() -> None:
    policy = parse_policy(DAILY_POLICY)
    calendar = policy.work_calendar
    assert calendar is not None
    days = [date(2027, 1, 1) + timedelta(days=n) for n in range(365)]
    assert [d for d in days if calendar.is_working_day(d)] == [d for d in days if working(d)]
    assert calendar.holiday(date(2027, 2, 7)) == "설날" and calendar.holiday(date(2027, 9, 15)) == "추석"
    # Friday 18:00 before 추석 2027 (14–16 Sep, Tue–Thu): the next working window is Friday 17 Sep 09:00.
    assert calendar.next_open(seoul(2027, 9, 13, 18, 0)) == seoul(2027, 9, 17, 9, 0)
    assert calendar.is_open(seoul(2027, 9, 17, 17, 59)) and not calendar.is_open(seoul(2027, 9, 17, 18, 0))


async def test_quarterly_checklist_and_monday_reminder_over_2026_and_2027(make_harness: Any) -> None:
    app = await make_harness(policy=QUARTERLY_POLICY, clock=MutableClock(seoul(2025, 12, 31, 12, 0)))
    await run_until(app, seoul(2027, 12, 31, 23, 0))
    # Never on 1 January: the first working day of the quarter, at the same local time.
    assert await run_dates(app, "quarterly") == [
        date(2026, 1, 2), date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1),
        date(2027, 1, 4), date(2027, 4, 1), date(2027, 7, 1), date(2027, 10, 1),
    ]
    assert {r.started_at.astimezone(SEOUL).hour for r in await _runs(app, "quarterly")} == {10}
    # The Monday reminder skips Mondays off (삼일절 대체 2026, 설날 2027, 개천절 대체…).
    mondays = [date(2026, 1, 5) + timedelta(weeks=n) for n in range(104)]
    posted = [m for m in app.slack.posts_in("COPS") if "주간 계획 수립" in (m.text or "")]
    assert len(posted) == len([d for d in mondays if working(d)]) == 104 - 13


async def _runs(app: Harness, template: str) -> list[ChecklistRun]:
    async with app.firebell.services.sessions() as session:
        return list((await session.execute(select(ChecklistRun).where(ChecklistRun.template == template)))
                    .scalars())


ESCALATION_POLICY = """
timezone: Asia/Seoul
severities:
  - id: P0
    name: {en: Critical, ko: Critical}
    description: {ko: "서비스 완전 중단, 데이터 손실/유출, 보안 사고", en: "Service down, data loss or leak, security"}
    ack_within: 5m
    resolve_within: 1h
    escalation: support
    escalation_start: L3       # 001 §1.1: Critical → L3 지원팀
  - id: P1
    name: {en: Major, ko: 중대}
    description: {ko: "핵심 기능 장애 또는 다수 사용자 영향"}
    ack_within: 15m
    resolve_within: 4h
    escalation: timed
  - id: P3
    name: {en: Minor, ko: Minor}
    ack_within: 1h
    resolve_within: 1d
    escalation: support
    pages_outside_hours: false  # 000: 고객지원 hours, not the 24/7 service
escalation_policies:
  support:
    tiers:
      - {name: L1, users: [UL1], wait: 30m}
      - {name: L2, users: [UL2], wait: 30m}
      - {name: L3, users: [UL3], wait: 30m}
  timed:                      # 003: P1 acknowledged within 15 minutes, escalated after 30
    tiers:
      - {name: On-call Engineer, users: [UONCALL], at: 15m}
      - {name: Service Owner, users: [UOWNER], at: 30m}
""" + CALENDAR


async def test_escalation_starts_at_the_tier_the_manual_names(make_harness: Any) -> None:
    app = await make_harness(policy=ESCALATION_POLICY, clock=MutableClock(seoul(2026, 3, 4, 11, 0)))
    await app.command("declare P0 결제 전체 중단")
    await app.tick(minutes=4, seconds=59)
    assert not app.slack.dms_to("UL3")
    await app.tick(seconds=1)
    assert app.slack.dms_to("UL3"), "Critical pages L3 first"
    assert not app.slack.dms_to("UL1") and not app.slack.dms_to("UL2")


async def test_tier_times_count_from_the_declaration(make_harness: Any) -> None:
    app = await make_harness(policy=ESCALATION_POLICY, clock=MutableClock(seoul(2026, 3, 4, 11, 0)))
    await app.command("declare P1 검색 기능 오류")
    await app.tick(minutes=14, seconds=59)
    assert not app.slack.dms_to("UONCALL")
    await app.tick(seconds=1)
    assert len(app.slack.dms_to("UONCALL")) == 1
    await app.tick(minutes=14, seconds=59)  # 29:59 after the declaration
    assert not app.slack.dms_to("UOWNER")
    await app.tick(seconds=1)  # "escalates after 30 minutes": paged at minute 30, not 45
    assert len(app.slack.dms_to("UOWNER")) == 1
    assert "Not acknowledged 30 min after the declaration" in str(app.slack.dms_to("UOWNER")[0].blocks)


async def test_pages_wait_for_working_hours_when_the_severity_says_so(make_harness: Any) -> None:
    # Saturday 2026-02-14 22:00: the weekend, then 설날 (16–18 Feb); the next working window is Thursday 09:00.
    app = await make_harness(policy=ESCALATION_POLICY, clock=MutableClock(seoul(2026, 2, 14, 22, 0)))
    await app.command("declare P3 리포트 화면 느림")
    app.clock.current = seoul(2026, 2, 19, 9, 59)
    await app.tick()
    assert not app.slack.dms_to("UL1")
    app.clock.current = seoul(2026, 2, 19, 10, 0)
    await app.tick()
    assert app.slack.dms_to("UL1"), "paged an hour into the first working window"
    # A Critical incident at the same moment is paged at once: 24/7.
    app2 = await make_harness(policy=ESCALATION_POLICY, clock=MutableClock(seoul(2026, 2, 14, 22, 0)))
    await app2.command("declare P0 전체 중단")
    await app2.tick(minutes=5)
    assert app2.slack.dms_to("UL3")


async def test_severity_descriptions_in_help_and_the_declare_form(make_harness: Any) -> None:
    app = await make_harness(policy=ESCALATION_POLICY, locale="ko")
    answer = await app.answer(await app.command("help"))
    assert "서비스 완전 중단, 데이터 손실/유출, 보안 사고" in answer
    assert "핵심 기능 장애 또는 다수 사용자 영향" in answer
    await app.command("declare")
    form = str(app.slack.views[-1])
    assert "서비스 완전 중단, 데이터 손실/유출, 보안 사고" in form
    english = await make_harness(policy=ESCALATION_POLICY)
    assert "Service down, data loss or leak" in await english.answer(await english.command("help"))


PLAYBOOK_POLICY = """
timezone: Asia/Seoul
severities:
  - {id: P0, name: {en: Critical, ko: 치명}, ack_within: 5m, resolve_within: 1h, checklist: p0}
checklists:
  p0:
    title: P0 장애 대응 플레이북
    phases:
      - name: 감지 및 초기 대응
        due: 5m
        owner: commander
        items: [{text: 장애 확인}, {text: 영향 범위 파악}]
      - name: 진단 및 완화
        starts: 5m
        due: 15m
        items: [{text: 인프라 점검, owner: UINFRA}, {text: 완화 조치 적용}]
      - name: 복구 및 검증
        starts: 15m
        due: 60m
        owner: UOWNER
        items: [{text: 근본 원인 수정}, {text: 정상화 확인}]
"""


async def test_timed_playbook_announces_each_phase_and_nudges_when_overdue(make_harness: Any) -> None:
    app = await make_harness(policy=PLAYBOOK_POLICY, clock=MutableClock(seoul(2026, 3, 4, 11, 0)))
    await app.command("declare P0 로그인 불가")
    await app.tick()
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None

    def thread(text: str) -> list[Any]:
        return [m for m in app.slack.posts_in(channel["id"]) if text in (m.text or "")]

    assert thread("감지 및 초기 대응 (0m–5m)"), "the first phase is announced when the run starts"
    assert not thread("진단 및 완화 (5m–15m)")
    await app.tick(minutes=5)
    assert thread("진단 및 완화 (5m–15m)")
    overdue = [m for m in thread("감지 및 초기 대응") if ":alarm_clock:" in (m.text or "")]
    assert len(overdue) == 1 and "장애 확인" in (overdue[0].text or "")
    assert any("감지 및 초기 대응" in (m.text or "") for m in app.slack.dms_to("UALICE")), "the commander"
    # Phase 2's items done in time: no nudge for it; phase 3's owner is nudged at minute 60.
    run = (await _runs(app, "p0"))[0]
    for index in (2, 3):
        await app.firebell.services.checklists.set_item(run.id, index, "done", "UINFRA")
    await app.tick(minutes=10)
    assert not app.slack.dms_to("UINFRA")
    await app.tick(minutes=45)
    assert any("복구 및 검증" in (m.text or "") for m in app.slack.dms_to("UOWNER"))


MAINTENANCE_POLICY = """
timezone: Asia/Seoul
severities:
  - {id: P2, name: {en: Minor, ko: 경미}, ack_within: 1h, resolve_within: 1d}
channels: {ops: COPS}
maintenance:
  notice_before: 30m
  max_duration: 12h
  kinds:
    security_patch: {name: {ko: 보안 패치, en: Security patch}, notice: 1d}
    feature_update: {name: {ko: 기능 개선, en: Feature update}, notice: 1w}
    emergency: {name: {ko: 긴급 점검, en: Emergency maintenance}, notice: 10m, emergency: true}
"""


async def test_maintenance_notice_per_kind_of_change(make_harness: Any) -> None:
    app = await make_harness(policy=MAINTENANCE_POLICY, clock=MutableClock(seoul(2026, 3, 4, 11, 0)))
    answer = await app.answer(await app.command("schedule tomorrow 02:00 2h OS 패치 kind:feature_update",
                                                command="/maintenance"))
    assert "Feature update needs 7 d 0 h of notice" in answer, answer
    assert not [m for m in app.slack.posts_in("COPS") if "OS 패치" in (m.text or "")]
    answer = await app.answer(await app.command("schedule tomorrow 02:00 2h OS 패치 kind:nope",
                                                command="/maintenance"))
    assert "nope" in answer and "security_patch" in answer
    await app.command("schedule tomorrow 12:00 2h OS 패치 kind:security_patch", command="/maintenance")
    assert any("[Security patch] OS 패치" in (m.text or "") for m in app.slack.posts_in("COPS"))
    # Emergency maintenance: its own, short notice, posted 10 minutes ahead.
    await app.command("schedule 11:30 1h DB 긴급 재시작 kind:emergency", command="/maintenance")
    posts = len(app.slack.posts_in("COPS"))
    await app.tick(minutes=19)
    assert len(app.slack.posts_in("COPS")) == posts
    await app.tick(minutes=1)
    assert len(app.slack.posts_in("COPS")) == posts + 1


@pytest.mark.parametrize(("fragment", "message"), [
    ("checklists: {c: {title: t, items: [{text: a}], schedule: {cron: '0 9 * * *', business_days: maybe}}}",
     "checklists.c.schedule.business_days: expected true, false, next or skip, got 'maybe'"),
    ("checklists: {c: {title: t, items: [{text: a}], schedule: {cron: '0 9 * * *', business_days: true}}}",
     "checklist c need a `calendar:` section"),
    ("calendar: {holidays: {country: XX}}", "the holidays package knows no country 'XX'"),
    ("calendar: {working_hours: '18:00-09:00'}", "working hours must start before they end"),
    ("calendar: {working_days: [funday]}", "expected a weekday like monday"),
    ("calendar: {working_days: []}", "needs at least one working day"),
    ("calendar: {timezone: Mars/Base}", "unknown time zone 'Mars/Base'"),
    ("calendar: {company_days: [not-a-date]}", "calendar.company_days[0].date"),
    ("checklists: {c: {title: t, phases: [{name: p, starts: 15m, due: 5m, items: [{text: a}]}]}}",
     "phase 'p': due must come after starts"),
    ("checklists: {c: {title: t, phases: [{name: p, due: 5m, owner: boss, items: [{text: a}]}]}}",
     "expected a Slack user id (U…) or one of commander"),
    ("checklists: {c: {title: t}}", "needs items, or phases with items"),
    ("maintenance: {recurring: {w: {title: t, cron: '0 2 * * sun', duration: 1h, kind: patch}}}",
     "recurring window w is of kind 'patch', which maintenance.kinds does not define"),
    ("maintenance: {kinds: {patch: {notice: soon}}}", "maintenance.kinds.patch.notice: expected a duration"),
])
def test_policy_check_explains_bad_manual_fields(fragment: str, message: str) -> None:
    text = "timezone: Asia/Seoul\nseverities: [{id: P1, name: {en: a, ko: b}, ack_within: 1m, " \
           "resolve_within: 1h}]\n" + fragment
    with pytest.raises(PolicyError) as error:
        parse_policy(text)
    assert any(message in problem for problem in error.value.problems), error.value.problems


@pytest.mark.parametrize(("severity", "chain", "message"), [
    ("escalation_start: L9", "[{name: L1, users: [UONE]}]", "escalation_start 'L9' names no tier of c (known: L1)"),
    ("escalation_start: 3", "[{name: L1, users: [UONE]}]", "escalation_start 3 is not a tier of c (1–1)"),
    ("description: {fr: x}", "[{name: L1, users: [UONE]}]", "description languages are en and ko, not fr"),
    ("pages_outside_hours: false", "[{name: L1, users: [UONE]}]", "severity P1 (pages_outside_hours: false) need"),
    ("", "[{name: L1, users: [UONE], at: 0m}, {name: L2, users: [UTWO]}]", "give every tier an `at`, or none"),
    ("", "[{name: L1, users: [UONE], at: 30m}, {name: L2, users: [UTWO], at: 15m}]", "tier times must increase"),
    ("", "[{name: L1, users: [UONE], at: -5m}]", "expected a duration like 30s"),
])
def test_policy_check_explains_bad_escalation_fields(severity: str, chain: str, message: str) -> None:
    extra = f", {severity}" if severity else ""
    text = (f"timezone: Asia/Seoul\nseverities: [{{id: P1, name: {{en: a, ko: b}}, ack_within: 1m, "
            f"resolve_within: 1h, escalation: c{extra}}}]\nescalation_policies: {{c: {{tiers: {chain}}}}}\n")
    with pytest.raises(PolicyError) as error:
        parse_policy(text)
    assert any(message in problem for problem in error.value.problems), error.value.problems


async def test_shipped_policy_works_before_channels_ops_is_set(make_harness: Any) -> None:
    from bot.policy.loader import read_shipped

    # Friday 2026-09-25 is 추석; the shipped weekday checks skip it and run on Monday 28 September.
    app = await make_harness(policy=read_shipped("default.yml"), clock=MutableClock(seoul(2026, 9, 24, 20, 0)))
    app.slack.channels["CFEED"]["members"].add("UFIREBELL")
    await run_until(app, seoul(2026, 9, 28, 9, 0))
    assert await run_dates(app, "daily_morning") == [date(2026, 9, 28)]
    assert any("오전 점검" in str(m.blocks) for m in app.slack.posts_in("CFEED")), "posted in the feed"
