"""Korean words for every subcommand, as Korean teams say them (`/incident 인지 12`, `/oncall 교대 …`).

Each parser maps the first word through `canonical` before matching, so a Korean word and its English
subcommand are the same command; `alias_help` lists them under the command's help.
"""

from __future__ import annotations

from bot.i18n import Catalog
from bot.slack.text import Mrkdwn

# command → Korean word → the subcommand it stands for
ALIASES: dict[str, dict[str, str]] = {
    "incident": {
        "도움말": "help", "선언": "declare", "인지": "ack", "확인": "ack", "업데이트": "update", "공유": "update",
        "완화": "mitigate", "해결": "resolve", "종료": "resolve", "재개": "reopen", "심각도": "severity",
        "등급": "severity", "담당": "assign", "배정": "assign", "상태": "status", "목록": "list",
        "타임라인": "timeline", "에스컬레이션": "escalate", "상향": "escalate", "리마인드": "remind",
        "알림": "remind",
    },
    "oncall": {
        "도움말": "help", "나": "me", "내당번": "me", "대체": "override", "대체목록": "overrides",
        "교대": "swap", "맞교대": "swap", "대신": "cover", "커버": "cover",
    },
    "checklist": {"도움말": "help", "시작": "start", "상태": "status", "기록": "history", "이력": "history"},
    "maintenance": {"도움말": "help", "예약": "schedule", "등록": "schedule", "목록": "list", "취소": "cancel"},
}

# Words after the subcommand: `/incident 목록 전체`, `/oncall 대체 삭제 3`, `/incident 알림 취소 4`.
OPTIONS: dict[str, str] = {"전체": "all", "열린": "open", "진행중": "open", "삭제": "remove", "취소": "cancel"}

# Incident roles as Korean teams name them: 인시던트 커맨더 or 대응 책임자 leads the response.
ROLES: dict[str, str] = {
    "커맨더": "commander", "인시던트커맨더": "commander", "대응책임자": "commander", "책임자": "commander",
    "커뮤니케이션": "comms", "소통": "comms", "공지": "comms", "기록": "scribe", "기록자": "scribe",
    "서기": "scribe", "대응자": "responder", "담당자": "responder",
}

_USAGE_COMMANDS = {"usage.incident": "incident", "usage.oncall": "oncall", "usage.checklist": "checklist",
                   "usage.maintenance": "maintenance"}


def canonical(command: str, word: str) -> str:
    """The subcommand a word stands for: itself when it is not a Korean alias."""
    return ALIASES.get(command, {}).get(word, word)


def option(word: str) -> str:
    return OPTIONS.get(word, word)


def role(word: str) -> str:
    return ROLES.get(word.replace(" ", ""), word)


def alias_help(t: Catalog, command: str) -> str:
    """`인지`/`확인` → ack, … for the help of one command."""
    grouped: dict[str, list[str]] = {}
    for word, subcommand in ALIASES.get(command, {}).items():
        grouped.setdefault(subcommand, []).append(f"`{word}`")
    pairs = Mrkdwn(", ").join(Mrkdwn(f"{'/'.join(words)} = `{sub}`") for sub, words in grouped.items())
    return t("help.aliases", aliases=pairs)


def help_text(t: Catalog, usage_key: str) -> str:
    """A command's usage followed by its Korean words."""
    command = _USAGE_COMMANDS.get(usage_key)
    return t(usage_key) if command is None else f"{t(usage_key)}\n\n{alias_help(t, command)}"
