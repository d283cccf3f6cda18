"""The demo's workspace and policy: a small team, a rotation, and targets short enough to see in minutes."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.slack.standin.api import BOT_USER
from bot.slack.standin.workspace import StandinWorkspace

FEED, OPS, GENERAL = "CFEED", "COPS", "CGENERAL"
ONCALL_GROUP, LEADS_GROUP = "SONCALL", "SLEADS"

# (id, name, title): who you can be in the demo.
PEOPLE = (
    ("UMINJI", "Minji Park", "On-call engineer"),
    ("UDAVID", "David Chen", "On-call engineer"),
    ("USORA", "Sora Kim", "Incident commander"),
    ("UALEX", "Alex Morgan", "Engineering manager"),
)

_TEXTS = {
    "en": {
        "playbook": "P0 playbook",
        "items": ["Confirm the impact (API, database, external services)", "Post a status update",
                  "Mitigate: scale, restart, roll back", "Confirm recovery (error rate, latency)"],
        "handover": "Shift handover",
        "handover_items": ["Read the night's alerts", "Check the dashboards", "Hand over open incidents"],
        "reminder": "Reminder: check the backup report before lunch.",
        "window": "Database patching",
    },
    "ko": {
        "playbook": "P0 장애 대응 플레이북",
        "items": ["장애 확인: API, 데이터베이스, 외부 서비스", "상태 업데이트 공지",
                  "완화 조치: 스케일링, 재시작, 롤백", "정상화 확인: 에러율, 응답시간"],
        "handover": "근무 인수인계",
        "handover_items": ["야간 알림 확인", "대시보드 확인", "진행 중인 장애 인계"],
        "reminder": "점심 전에 백업 리포트를 확인하세요.",
        "window": "데이터베이스 패치",
    },
}


def demo_policy(locale: str, today: date | None = None) -> str:
    """The demo's policy: a P0 escalates after 2 minutes and every 2–3 minutes after, things recur hourly.
    The rotation starts today at midnight (UTC), so Minji is on call all day and David from midnight."""
    t = _TEXTS.get(locale, _TEXTS["en"])
    today = today or datetime.now(UTC).date()
    items = "\n".join(f'      - {{text: "{item}"}}' for item in t["items"])
    handover = "\n".join(f'      - {{text: "{item}"}}' for item in t["handover_items"])
    return f"""
version: 1
timezone: UTC
default_severity: P2
severities:
  - {{id: P0, name: {{en: Critical, ko: 치명}}, emoji: ":red_circle:", ack_within: 2m, resolve_within: 15m,
     update_every: 5m, broadcast: channel, escalation: fast, checklist: playbook,
     notify_on_declare: {{users: [UALEX], notify: [dm]}}}}
  - {{id: P1, name: {{en: Major, ko: 중대}}, emoji: ":large_orange_circle:", ack_within: 5m, resolve_within: 1h,
     update_every: 15m, broadcast: here, escalation: fast}}
  - {{id: P2, name: {{en: Minor, ko: 경미}}, emoji: ":large_yellow_circle:", ack_within: 15m, resolve_within: 4h,
     escalation: fast}}
escalation_policies:
  fast:
    tiers:
      - {{name: L1 on-call, rotations: [primary], wait: 2m}}
      - {{name: L2 commander, users: [USORA], wait: 3m}}
      - {{name: L3 manager, users: [UALEX], wait: 5m}}
rotations:
  primary:
    usergroup: {ONCALL_GROUP}
    layers:
      - {{name: day, members: [UMINJI, UDAVID], shift: 1d, handoff_time: "00:00", start: {today.isoformat()}}}
manager_tier: {{name: Managers, users: [UALEX], notify: [dm]}}
channels: {{feed: {FEED}, ops: {OPS}}}
checklists:
  playbook:
    title: "{t["playbook"]}"
    items:
{items}
  handover:
    title: "{t["handover"]}"
    schedule: {{cron: "30 * * * *", due_after: 20m}}
    items:
{handover}
reminders:
  backups: {{cron: "0 * * * *", text: "{t["reminder"]}"}}
maintenance:
  notice_before: 30m
  recurring:
    patching: {{title: "{t["window"]}", cron: "0 */3 * * *", duration: 20m}}
"""


def seed_workspace(slack: StandinWorkspace) -> None:
    for user_id, name, title in PEOPLE:
        slack.add_person(user_id, name, title)
    slack.add_channel(GENERAL, "general", members={user for user, _, _ in PEOPLE})
    slack.channels[FEED]["members"].update({BOT_USER, *(user for user, _, _ in PEOPLE)})
    slack.channels[OPS]["members"].update(user for user, _, _ in PEOPLE)
    slack.add_usergroup(ONCALL_GROUP, ["UMINJI"])
    slack.add_usergroup(LEADS_GROUP, ["USORA", "UALEX"])
