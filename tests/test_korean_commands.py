"""Korean subcommands over HTTP: every `/incident`, `/oncall`, `/checklist` and `/maintenance` subcommand has
the words Korean teams use (인지/확인, 해결, 재개, 목록…), shown in the Korean help."""

from __future__ import annotations

from typing import Any

import pytest

from bot.aliases import ALIASES
from bot.incidents.roles import Role
from storage.models import Incident, IncidentRole
from tests.conftest import Harness
from tests.test_checklists import OPS_POLICY


async def incident(app: Harness, number: int) -> Incident:
    async with app.firebell.services.sessions() as session:
        found = await session.get(Incident, number)
        assert found is not None
        return found


async def test_an_incident_worked_entirely_in_korean(make_harness: Any) -> None:
    app = await make_harness(locale="ko")
    await app.command("선언 P1 결제 오류")
    assert (await incident(app, 1)).status == "declared"
    await app.command("인지 1")
    assert (await incident(app, 1)).status == "acknowledged"
    await app.command("업데이트 1 원인 파악 중")
    await app.command("담당 1 <@UBOB> 대응 책임자")
    async with app.firebell.services.sessions() as session:
        roles = {(r.user_id, r.role) for r in (await session.execute(
            IncidentRole.__table__.select().where(IncidentRole.incident_id == 1))).all()}
    assert ("UBOB", Role.COMMANDER.value) in roles
    await app.command("완화 1")
    assert (await incident(app, 1)).status == "mitigated"
    await app.command("해결 1 롤백으로 복구")
    assert (await incident(app, 1)).status == "resolved"
    await app.command("재개 1")
    assert (await incident(app, 1)).status == "reopened"
    await app.command("심각도 1 P0")
    assert (await incident(app, 1)).severity == "P0"
    assert "결제 오류" in await app.answer(await app.command("목록 전체"))
    assert "원인 파악 중" in await app.answer(await app.command("타임라인 1"))
    assert await app.answer(await app.command("상태 1"))


@pytest.mark.parametrize(("command", "usage"), [("/incident", "`인지`/`확인` = `ack`"),
                                                ("/oncall", "`교대`/`맞교대` = `swap`"),
                                                ("/checklist", "`시작` = `start`"),
                                                ("/maintenance", "`예약`/`등록` = `schedule`")])
async def test_korean_help_lists_the_korean_words(make_harness: Any, command: str, usage: str) -> None:
    app = await make_harness(locale="ko")
    answer = await app.answer(await app.command("도움말", command=command))
    assert "한국어 명령" in answer and usage in answer


async def test_checklist_and_maintenance_in_korean(make_harness: Any) -> None:
    app = await make_harness(locale="ko", policy=OPS_POLICY)
    await app.command("시작 morning", command="/checklist")
    assert any("Morning check" in str(m.blocks) for m in app.slack.posts_in("COPS"))
    assert "Morning check" in await app.answer(await app.command("상태", command="/checklist"))
    await app.command("예약 내일 02:00 2h DB 업그레이드", command="/maintenance")
    assert "DB 업그레이드" in await app.answer(await app.command("목록", command="/maintenance"))
    await app.command("취소 1", command="/maintenance")
    assert any("취소" in (m.text or "") for m in app.slack.posts_in("COPS"))


def test_every_korean_word_names_a_real_subcommand() -> None:
    subcommands = {
        "incident": {"help", "declare", "ack", "update", "mitigate", "resolve", "reopen", "severity", "assign",
                     "status", "list", "timeline", "escalate", "remind"},
        "oncall": {"help", "me", "override", "overrides", "swap", "cover"},
        "checklist": {"help", "start", "status", "history"},
        "maintenance": {"help", "schedule", "list", "cancel"},
    }
    for command, words in ALIASES.items():
        assert set(words.values()) <= subcommands[command], command
        assert subcommands[command] <= set(words.values()), f"{command}: a subcommand without a Korean word"
