from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.slack.text import date_token, escape, incident_channel_name, unescape

SLACK_CHANNEL_NAME = re.compile(r"^[a-z0-9_-]{1,80}$")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Checkout is down", "inc-12-checkout-is-down"),
        ("  API: 500s on /login!!  ", "inc-12-api-500s-on-login"),
        ("Café crème", "inc-12-cafe-creme"),
    ],
)
def test_channel_names(title: str, expected: str) -> None:
    assert incident_channel_name(12, title) == expected


@pytest.mark.parametrize("title", ["결제 서비스 중단", "🔥🔥🔥", "!!!", "x" * 500, "DB 장애 " + "y" * 300])
def test_channel_names_always_valid(title: str) -> None:
    for suffix in range(3):
        name = incident_channel_name(123456, title, suffix)
        assert SLACK_CHANNEL_NAME.match(name), name
        assert name.startswith("inc-123456-")


def test_non_latin_titles_get_distinct_names() -> None:
    assert incident_channel_name(1, "결제 장애") != incident_channel_name(1, "로그인 장애")


def test_suffix_on_retry() -> None:
    assert incident_channel_name(3, "db", 1) == "inc-3-db-2"


def test_escape_round_trip() -> None:
    assert unescape(escape("<@U1> & <!channel>")) == "<@U1> & <!channel>"
    assert "<" not in escape("<!channel>")


def test_date_token_has_fallback() -> None:
    when = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    assert date_token(when) == f"<!date^{int(when.timestamp())}^{{date_short_pretty}} {{time}}|2026-01-02 03:04 UTC>"
