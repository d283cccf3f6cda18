"""The catalog is complete in both languages, and every key the code uses exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

from bot.i18n.en import EN
from bot.i18n.ko import KO

ROOT = Path(__file__).resolve().parents[1]


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_same_keys_in_both_languages() -> None:
    assert set(EN) == set(KO)


def test_same_placeholders_in_both_languages() -> None:
    mismatched = {key: (placeholders(EN[key]), placeholders(KO[key]))
                  for key in EN if placeholders(EN[key]) != placeholders(KO[key])}
    assert not mismatched


def english_words(template: str) -> list[str]:
    """Words a reader would read: placeholders, Slack markup, emoji codes and code spans removed."""
    text = re.sub(r"\{[^}]*\}|<[^>]*>|:[a-z_]+:|`[^`]*`|Firebell", " ", template)
    return re.findall(r"[A-Za-z]{3,}", text)


def test_korean_is_translated() -> None:
    # A Korean text equal to the English one is fine only when it has no words (pure format strings).
    untranslated = {key for key in EN if EN[key] == KO[key] and english_words(EN[key])}
    assert not untranslated


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
