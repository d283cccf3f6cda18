"""Maintenance notices per kind of change (seed 000 제6조 업데이트 분류: 보안 패치 N일 전, 기능 개선 N주 전,
메이저 업데이트 N주 전; 제1조 긴급 점검: 사전 공지 최소 N분 전).

A window of a kind must be scheduled at least its notice ahead, and its notice is posted that long before
it starts (instead of `maintenance.notice_before`).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.policy.fields import Duration


class MaintenanceKind(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: dict[str, str] = Field(default_factory=dict)  # {en: Security patch, ko: 보안 패치}
    notice: Duration
    emergency: bool = False  # shown as emergency maintenance (긴급 점검)

    def label(self, key: str, locale: str) -> str:
        return self.name.get(locale) or self.name.get("ko") or self.name.get("en") or key
