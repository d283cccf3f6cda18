"""The catalog is complete in both languages, and every key the code uses exists."""

from __future__ import annotations

import re
import string
from datetime import timedelta
from pathlib import Path

import pytest

from bot.i18n import CATALOGS, Catalog
from bot.slack.blocks import format_duration
from bot.slack.text import Mrkdwn, escape, user_mention

EN = CATALOGS["en"]
KO = CATALOGS["ko"]

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


def test_catalog_escapes_every_text_parameter_that_is_not_markup() -> None:
    t = Catalog("en")
    text = t("post.update", user="UALICE", text="<!channel> & <@U0EVE>")
    assert isinstance(text, Mrkdwn)
    assert text == ":speech_balloon: *Update from <@UALICE>*: &lt;!channel&gt; &amp; &lt;@U0EVE&gt;"
    # Markup built by code and text escaped already are inserted as they are; numbers pass through.
    assert t("summary.commander", commander=user_mention("U1")) == "*Commander*\n<@U1>"
    assert t("post.update", user="U1", text=escape("a < b")).endswith(": a &lt; b")
    assert t("done.update", number=7) == "Update posted to incident #7."
    assert t("error.unexpected_words", value=["<!here>"]) == "I did not expect `['&lt;!here&gt;']` there."
    # Catalog texts nest without being escaped again.
    assert t("page.reason.manual", user="U1", reason=t("page.reason.no_reason")) == "<@U1> escalated: no reason given"


def test_plain_texts_are_not_escaped() -> None:
    t = Catalog("en")
    assert t.plain("summary.header", emoji=":x:", number=1, title="a < b & c") == ":x: Incident #1: a < b & c"


@pytest.mark.parametrize(("locale", "delta", "expected"), [
    ("en", timedelta(seconds=30), "30 sec"),
    ("en", timedelta(seconds=0), "0 sec"),
    ("en", timedelta(seconds=-5), "0 sec"),
    ("en", timedelta(seconds=59.9), "59 sec"),
    ("en", timedelta(seconds=60), "1 min"),
    ("en", timedelta(minutes=90), "1 h 30 min"),
    ("en", timedelta(days=2, hours=3), "2 d 3 h"),
    ("ko", timedelta(seconds=30), "30초"),
])
def test_durations_under_a_minute_show_seconds(locale: str, delta: timedelta, expected: str) -> None:
    assert format_duration(Catalog(locale), delta) == expected
