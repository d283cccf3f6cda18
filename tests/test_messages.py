"""The catalog is complete in both languages, and every key the code uses exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

from bot.messages import EN, KO

ROOT = Path(__file__).resolve().parents[1]


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_same_keys_in_both_languages() -> None:
    assert set(EN) == set(KO)


def test_same_placeholders_in_both_languages() -> None:
    mismatched = {key: (placeholders(EN[key]), placeholders(KO[key]))
                  for key in EN if placeholders(EN[key]) != placeholders(KO[key])}
    assert not mismatched


def test_korean_is_translated() -> None:
    # Keys whose text is legitimately the same (command syntax, format strings) are few.
    same = {key for key in EN if EN[key] == KO[key]}
    assert same <= {"topic", "severity.option", "list.item", "timeline.item", "home.header", "oncall.shift",
                    "oncall.overrides_item", "oncall.mine_item"}


def test_every_literal_key_used_in_code_exists() -> None:
    used: set[str] = set()
    pattern = re.compile(r"""["']((?:usage|error|declare|notice|done|summary|button|confirm|post|modal|list|"""
                         r"""timeline|home|duration|broadcast)\.[a-z_.]+)["']""")
    for folder in ("bot", "handlers"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "messages.py":
                continue
            used.update(pattern.findall(path.read_text(encoding="utf-8")))
    missing = sorted(key for key in used if key not in EN)
    assert not missing, missing
