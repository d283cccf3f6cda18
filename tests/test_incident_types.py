"""Incident types over HTTP: a security incident gets a private `sec-` channel, is kept out of the feed and
out of `/incident list` for people outside it, and brings its own targets and playbook."""

from __future__ import annotations

from typing import Any

import pytest

from bot.policy.loader import PolicyError, parse_policy
from tests.conftest import Harness

TYPES_POLICY = """
timezone: Asia/Seoul
severities:
  - {id: P1, name: {en: Major, ko: 중대}, ack_within: 15m, resolve_within: 4h, escalation: oncall}
  - {id: P2, name: {en: Minor, ko: 경미}, ack_within: 1h, resolve_within: 1d, escalation: oncall}
escalation_policies:
  oncall: {tiers: [{name: On-call, users: [UONCALL]}]}
  security_team: {tiers: [{name: 보안 담당자, users: [USECURITY]}]}
incident_types:
  security:                   # 002 §6.3 보안 사고
    name: {ko: 보안 사고, en: Security incident}
    channel_prefix: sec
    private: true
    checklist: security_incident
    severities:
      P1: {ack_within: 5m, resolve_within: 2h, escalation: security_team}
checklists:
  security_incident:
    title: 보안 사고 대응
    phases:
      - {name: 탐지, due: 5m, owner: commander, items: [{text: 알림 확인}]}
      - {name: 격리, starts: 5m, due: 20m, items: [{text: 영향 범위 차단}]}
"""


def feed_texts(app: Harness) -> str:
    return " ".join(f"{m.text} {m.blocks}" for m in app.slack.posts_in("CFEED"))


async def test_security_incident_is_private_with_its_own_targets_and_playbook(make_harness: Any) -> None:
    app = await make_harness(policy=TYPES_POLICY)
    app.slack.channels["CFEED"]["members"].add("UFIREBELL")
    await app.command("declare type:security P1 관리자 계정 탈취 의심")
    await app.command("declare P2 Report page slow", user="UBOB")
    created = app.slack.calls_to("conversations.create")
    assert str(created[0]["is_private"]).lower() in ("true", "1")
    assert str(created[1]["is_private"]).lower() in ("false", "0")
    channel = app.slack.channel_by_name_prefix("sec-1-")
    assert channel is not None and app.slack.channel_by_name_prefix("inc-2-") is not None
    await app.tick()  # anything the background drain still owes is out
    assert "Report page slow" in feed_texts(app) and "관리자 계정" not in feed_texts(app)
    assert any("보안 사고 대응" in str(m.blocks) for m in app.slack.posts_in(channel["id"]))
    # The type's targets: the security team is paged at 5 minutes (the severity alone says 15, On-call).
    await app.tick(minutes=5)
    assert app.slack.dms_to("USECURITY") and not app.slack.dms_to("UONCALL")
    # Listed to the people in it only.
    assert "관리자 계정" in await app.answer(await app.command("list"))
    outsider = await app.answer(await app.command("list", user="UBOB"))
    assert "관리자 계정" not in outsider and "Report page slow" in outsider
    await app.command("assign 1 <@UBOB> scribe")
    assert "관리자 계정" in await app.answer(await app.command("list", user="UBOB"))


async def test_unknown_incident_type_is_refused_with_the_known_ones(make_harness: Any) -> None:
    app = await make_harness(policy=TYPES_POLICY)
    answer = await app.answer(await app.command("declare type:hr P1 Something"))
    assert "no incident type `hr`" in answer and "security" in answer
    assert not app.slack.calls_to("conversations.create")


@pytest.mark.parametrize(("fragment", "message"), [
    ("incident_types: {Security: {}}", "names are lowercase letters"),
    ("incident_types: {sec: {checklist: nope}}", "incident type sec names checklist 'nope'"),
    ("incident_types: {sec: {severities: {P7: {ack_within: 5m}}}}", "sets targets for P7, which is not a severity"),
    ("incident_types: {sec: {severities: {P1: {escalation: nope}}}}", "names escalation policy 'nope'"),
    ("incident_types: {sec: {channel_prefix: 'Sec!'}}", "incident_types.sec.channel_prefix"),
])
def test_policy_check_explains_bad_incident_types(fragment: str, message: str) -> None:
    text = "timezone: Asia/Seoul\nseverities: [{id: P1, name: {en: a, ko: b}, ack_within: 1m, " \
           "resolve_within: 1h}]\n" + fragment
    with pytest.raises(PolicyError) as error:
        parse_policy(text)
    assert any(message in problem for problem in error.value.problems), error.value.problems


async def test_the_declare_form_offers_the_types(make_harness: Any) -> None:
    from bot.slack import ids

    app = await make_harness(policy=TYPES_POLICY)
    await app.command("declare")
    form = app.slack.views[-1]
    assert "보안 사고" in str(form) or "Security incident" in str(form)

    def submit(kind: str) -> dict[str, Any]:
        return app.view_payload(form, {
            ids.DECLARE_TITLE_BLOCK: {ids.DECLARE_TITLE_ACTION: {"type": "plain_text_input", "value": "키 유출"}},
            ids.DECLARE_SEVERITY_BLOCK: {ids.DECLARE_SEVERITY_ACTION: {
                "type": "static_select", "selected_option": {"value": "P1"}}},
            ids.DECLARE_TYPE_BLOCK: {ids.DECLARE_TYPE_ACTION: {
                "type": "static_select", "selected_option": {"value": kind}}},
        })

    refused = await app.send_payload(submit("hr"))
    assert "not in the policy" in str(await refused.json())
    await app.send_payload(submit("security"))
    assert app.slack.channel_by_name_prefix("sec-1-") is not None
    assert str(app.slack.calls_to("conversations.create")[-1]["is_private"]).lower() in ("true", "1")


async def test_the_app_home_lists_a_private_incident_only_to_its_people(make_harness: Any) -> None:
    from tests.test_home import open_home

    app = await make_harness(policy=TYPES_POLICY)
    await app.command("declare type:security P1 관리자 계정 탈취 의심")
    await app.command("declare P2 Report page slow", user="UBOB")
    assert "관리자 계정" in await open_home(app, "UALICE")
    outsider = await open_home(app, "UBOB")
    assert "관리자 계정" not in outsider and "Report page slow" in outsider
