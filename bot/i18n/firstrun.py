"""Texts of the first run: the answer to a direct message."""

from __future__ import annotations

EN = {
    "dm.help": (
        "Hi! I don't read messages, but I answer commands. Try `/incident declare P1 <title>` to declare an "
        "incident, `/incident help` for everything else, `/oncall` for who is on call, `/checklist` and "
        "`/maintenance`. My Home tab shows the open incidents."
    ),
}

KO = {
    "dm.help": (
        "안녕하세요! 메시지는 읽지 않지만 명령어에는 답합니다. 장애를 선언하려면 `/incident declare P1 <제목>`, "
        "다른 기능은 `/incident help`, 당직자는 `/oncall`, 그 밖에 `/checklist`, `/maintenance`를 써 보세요. "
        "홈 탭에서 진행 중인 장애를 볼 수 있습니다."
    ),
}
