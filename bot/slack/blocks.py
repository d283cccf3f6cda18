"""Block Kit as pure functions. Built with slack_sdk.models, whose to_dict() validates every block."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    SectionBlock,
)

from bot.i18n import Catalog
from bot.slack.text import Mrkdwn, clip

SECTION_TEXT_LIMIT = 3000


def dump_blocks(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    return [block.to_dict() for block in blocks]


def format_duration(t: Catalog, delta: timedelta) -> Mrkdwn:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return t("duration.seconds", n=seconds)
    minutes = seconds // 60
    if minutes < 60:
        return t("duration.minutes", n=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return t("duration.hours", h=hours, m=minutes)
    days, hours = divmod(hours, 24)
    return t("duration.days", d=days, h=hours)


def text_blocks(text: str) -> list[dict[str, Any]]:
    """Long lists as sections of at most 3000 characters, split on line ends. `text` is rendered mrkdwn (catalog
    texts, whose parameters are escaped): it is shown as it is."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        line = clip(line, SECTION_TEXT_LIMIT)
        if current and len(current) + 1 + len(line) > SECTION_TEXT_LIMIT:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return dump_blocks([SectionBlock(text=chunk) for chunk in chunks[:50]])
