"""The /incident grammar, without Slack or a database."""

from __future__ import annotations

import pytest

from bot.errors import UsageError
from bot.incidents.commands import (
    TITLE_LIMIT,
    Assign,
    ChangeSeverity,
    CommandParser,
    Declare,
    Escalate,
    Help,
    ListIncidents,
    OpenDeclareForm,
    PostUpdate,
    Resolve,
    Show,
    Transition,
)
from bot.incidents.roles import Role
from bot.policy.loader import PolicyHolder, load_policy

parser = CommandParser(PolicyHolder(load_policy(None)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("help", Help()),
        ("declare", OpenDeclareForm()),
        ("declare P1 Checkout is down", Declare("P1", "Checkout is down")),
        ("declare p0 DB gone", Declare("P0", "DB gone")),
        ("declare Checkout slow", Declare("P2", "Checkout slow")),
        ("declare P1 결제 서비스 중단", Declare("P1", "결제 서비스 중단")),
        ("declare P1 a &lt;b&gt; &amp; c", Declare("P1", "a <b> & c")),
        ("ack", Transition("ack", None)),
        ("ack 42", Transition("ack", 42)),
        ("ack #42", Transition("ack", 42)),
        ("acknowledge 7", Transition("ack", 7)),
        ("mitigate", Transition("mitigate", None)),
        ("reopen 3", Transition("reopen", 3)),
        ("resolve", Resolve(None, None)),
        ("resolve 4 rolled back the deploy", Resolve(4, "rolled back the deploy", "4")),
        ("resolve #4 done", Resolve(4, "done")),
        ("resolve rolled back", Resolve(None, "rolled back")),
        ("update 5 db failover done", PostUpdate(5, "db failover done", "5")),
        ("update #5 db failover done", PostUpdate(5, "db failover done")),
        ("update still looking", PostUpdate(None, "still looking")),
        ("severity P0", ChangeSeverity(None, "P0")),
        ("severity 12 p3", ChangeSeverity(12, "P3")),
        ("assign <@U123ABC>", Assign(None, "U123ABC", Role.RESPONDER)),
        ("assign 9 <@U123ABC|bob> commander", Assign(9, "U123ABC", Role.COMMANDER)),
        ("assign <@W123ABC> scribe", Assign(None, "W123ABC", Role.SCRIBE)),
        ("status", Show("status", None)),
        ("escalate", Escalate(None, None)),
        ("escalate #3 nobody answers", Escalate(3, "nobody answers")),
        ("timeline 8", Show("timeline", 8)),
        ("list", ListIncidents(include_closed=False)),
        ("list all", ListIncidents(include_closed=True)),
        ("LIST OPEN", ListIncidents(include_closed=False)),
    ],
)
def test_parses(text: str, expected: object) -> None:
    assert parser.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "key", "usage"),
    [
        ("frobnicate", "error.unknown_subcommand", "usage.incident"),
        ("장애", "error.unknown_subcommand", "usage.incident"),
        ("declare P1", "error.missing_title", "usage.declare"),
        ("declare P9 Something", "error.unknown_severity", "usage.declare"),
        ("declare sev1 Something", "error.unknown_severity", "usage.declare"),
        ("ack forty-two", "error.bad_number", "usage.ack"),
        ("ack 4 2", "error.bad_number", "usage.ack"),
        ("update", "error.missing_update_text", "usage.update"),
        ("update 4", "error.missing_update_text", "usage.update"),
        ("severity", "error.missing_severity", "usage.severity"),
        ("severity P7", "error.unknown_severity", "usage.severity"),
        ("severity P1 P2", "error.unknown_severity", "usage.severity"),
        ("assign", "error.missing_mention", "usage.assign"),
        ("assign @bob", "error.bad_mention", "usage.assign"),
        ("assign <@U123ABC> overlord", "error.unknown_role", "usage.assign"),
        ("list closed", "error.bad_list_filter", "usage.list"),
    ],
)
def test_rejects_with_usage(text: str, key: str, usage: str) -> None:
    with pytest.raises(UsageError) as caught:
        parser.parse(text)
    assert caught.value.key == key
    assert caught.value.usage == usage


def test_overlong_title_is_clipped_and_flagged() -> None:
    parsed = parser.parse("declare P2 " + "x" * 400)
    assert isinstance(parsed, Declare)
    assert parsed.clipped
    assert len(parsed.title) == TITLE_LIMIT
    assert parsed.title.endswith("…")


def test_bare_number_becomes_text_inside_an_incident_channel() -> None:
    parsed = parser.parse("update 12 users affected")
    assert isinstance(parsed, PostUpdate)
    assert parsed.as_text_in_channel() == PostUpdate(None, "12 users affected")
    resolved = parser.parse("resolve 3")
    assert isinstance(resolved, Resolve)
    assert resolved.as_text_in_channel() == Resolve(None, "3")
