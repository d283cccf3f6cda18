from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.slack.text import (
    Mrkdwn,
    channel_link,
    clip,
    date_token,
    escape,
    group_mention,
    id_markup,
    incident_channel_name,
    slack_target,
    unescape,
    user_mention,
    user_mentions,
)

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


def test_escape_gives_mrkdwn_and_never_escapes_twice() -> None:
    once = escape("a & <b>")
    assert isinstance(once, Mrkdwn) and once == "a &amp; &lt;b&gt;"
    assert escape(once) == once


def test_mrkdwn_join_escapes_what_is_not_markup() -> None:
    joined = Mrkdwn(", ").join([user_mention("U1"), "<!channel>"])
    assert isinstance(joined, Mrkdwn) and joined == "<@U1>, &lt;!channel&gt;"


def test_markup_builders_take_only_ids() -> None:
    assert (user_mention("U123"), channel_link("C9"), group_mention("S7")) == ("<@U123>", "<#C9>", "<!subteam^S7>")
    assert user_mentions(["U1", "W2"]) == "<@U1>, <@W2>"
    # Anything that is not an id is shown as text, never as markup.
    assert user_mention("U1> <!channel") == "U1&gt; &lt;!channel"
    assert channel_link("C1|x>") == "C1|x&gt;"
    assert group_mention("here") == "here"
    assert user_mention("U1\n") == "U1\n"
    assert all(isinstance(x, Mrkdwn) for x in (user_mention("x"), channel_link("C1"), date_token(datetime.now(UTC))))


def test_page_targets() -> None:
    assert [slack_target(t) for t in ("UONCALL1", "COPS", "SLEADS", "l1 <night>")] == [
        "<@UONCALL1>", "<#COPS>", "SLEADS", "l1 &lt;night&gt;"]


def test_id_markup_keeps_only_id_tokens() -> None:
    assert id_markup("<@U1> <!subteam^S1> <#C1>") == "<@U1> <!subteam^S1> <#C1>"
    assert id_markup("<!channel> <@U1|x> <https://x|y>") == "&lt;!channel&gt; &lt;@U1|x&gt; &lt;https://x|y&gt;"
    marked = Mrkdwn("<!here> from code")
    assert id_markup(marked) is marked


def test_clipping_mrkdwn_leaves_no_half_entity_or_token() -> None:
    text = escape("ab <!channel>")  # "ab &lt;!channel&gt;"
    assert clip(text, 6) == "ab…" and isinstance(clip(text, 6), Mrkdwn)
    assert clip(Mrkdwn("see <@U123456>"), 9) == "see…"
    assert clip("ab <!channel>", 6) == "ab <!…", "plain text is clipped as it is"
