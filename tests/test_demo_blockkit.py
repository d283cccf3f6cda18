"""The demo page's Block Kit and mrkdwn renderer: every block and element type Firebell sends."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)

from bot.demo.blockkit import Renderer, render_view
from bot.demo.mrkdwn import Directory, mrkdwn_to_html
from bot.demo.pages import element_state, find_element, view_values
from bot.i18n import Catalog
from bot.incidents.modals import declare_modal
from bot.incidents.render import home_view
from bot.policy.loader import parse_policy
from tests.conftest import TEST_POLICY

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
DIRECTORY = Directory(users={"UMINJI": "Minji Park", "USORA": "Sora Kim"}, channels={"CINC1": "inc-1-db"},
                      groups={"SONCALL": "oncall"}, zone="UTC", now=lambda: NOW)


def render(*blocks: object) -> str:
    raw = [b.to_dict() if hasattr(b, "to_dict") else b for b in blocks]
    return str(Renderer(DIRECTORY).blocks(raw))  # type: ignore[arg-type]


def data_actions(html: str) -> list[dict[str, object]]:
    import re

    return [json.loads(m.replace("&#34;", '"')) for m in re.findall(r'data-action="([^"]*)"', html)]


def test_header_section_fields_accessory_context_divider() -> None:
    html = render(
        HeaderBlock(text=":red_circle: Incident #1: DB <down>"),
        SectionBlock(text=MarkdownTextObject(text="*Severity* P0"),
                     fields=[MarkdownTextObject(text="*Status*\ndeclared"), MarkdownTextObject(text="_soon_")],
                     accessory=ButtonElement(text="Open", action_id="incident.open_channel", value="1")),
        ContextBlock(elements=[MarkdownTextObject(text="Open since <!date^1795300000^{ago}|a while>")]),
        DividerBlock(),
    )
    assert '<div class="bk-header"><span class="emoji">:red_circle:</span> Incident #1: DB &lt;down&gt;</div>' in html
    assert "<b>Severity</b> P0" in html and "<b>Status</b><br>declared" in html and "<i>soon</i>" in html
    assert 'class="bk-accessory"><button class="bk-button bk-default"' in html
    assert '<div class="bk-context"><span>Open since <time class="date">' in html
    assert '<hr class="bk-divider">' in html


def test_buttons_styles_values_and_confirm_dialog() -> None:
    html = render(ActionsBlock(block_id="incident.actions:7", elements=[
        ButtonElement(text="Acknowledge", action_id="incident.ack", value="7", style="primary"),
        ButtonElement(text="Escalate", action_id="incident.escalate", value="7"),
        ButtonElement(text="Resolve", action_id="incident.resolve", value="7", style="danger",
                      confirm=ConfirmObject(title="Resolve #7?", text="Really?", confirm="Resolve", deny="Not yet")),
    ]))
    assert html.count("<button") == 3
    assert "bk-primary" in html and "bk-danger" in html and "bk-default" in html
    actions = data_actions(html)
    assert actions[0] == {"block_id": "incident.actions:7", "action_id": "incident.ack", "type": "button",
                          "value": "7"}
    confirm = json.loads(html.split('data-confirm="')[3].split('"')[0].replace("&#34;", '"'))
    assert confirm == {"title": "Resolve #7?", "text": "Really?", "confirm": "Resolve", "deny": "Not yet",
                       "style": "primary"}


def test_checkboxes_with_initial_options_and_descriptions() -> None:
    options = [Option(value="0", text=MarkdownTextObject(text="1. Check *logs*")),
               Option(value="1", text=MarkdownTextObject(text="2. Roll back"), description="only if needed")]
    html = render(SectionBlock(block_id="checklist:3", text="Playbook", accessory=CheckboxesElement(
        action_id="checklist.toggle", options=options, initial_options=[options[0]])))
    assert 'value="0" checked' in html and 'value="1">' in html
    assert "Check <b>logs</b>" in html and "only if needed" in html
    assert data_actions(html)[0]["action_id"] == "checklist.toggle"


def test_static_and_user_selects_and_text_inputs() -> None:
    html = render(
        InputBlock(block_id="severity", label="Severity", element=StaticSelectElement(
            action_id="severity_select", options=[Option(value="P0", text="P0 Critical"),
                                                  Option(value="P2", text="P2 Minor")],
            initial_option=Option(value="P2", text="P2 Minor"))),
        InputBlock(block_id="commander", label="Commander", optional=True,
                   element=UserSelectElement(action_id="commander_select", initial_user="USORA")),
        InputBlock(block_id="title", label="Title", hint="Short", element=PlainTextInputElement(
            action_id="title_input", placeholder="What is broken?")),
        InputBlock(block_id="reason", label="Why", element=PlainTextInputElement(action_id="r", multiline=True)),
    )
    assert '<option value="P2" selected>P2 Minor</option>' in html
    assert '<option value="USORA" selected>Sora Kim</option>' in html and "(optional)" in html
    assert 'placeholder="What is broken?"' in html and "<textarea" in html and "Short" in html
    assert [a["type"] for a in data_actions(html)] == ["static_select", "users_select", "plain_text_input",
                                                       "plain_text_input"]


def test_unknown_and_malformed_blocks_show_a_labelled_placeholder() -> None:
    html = render({"type": "video", "title": "x"}, {"type": "section", "fields": [42]},
                  {"type": "actions", "elements": [{"type": "datepicker", "action_id": "d"}]},
                  SectionBlock(text="still here"))
    assert "Unsupported block <code>video</code>" in html
    assert "Unsupported block (malformed) <code>section</code>" in html
    assert "Unsupported element <code>datepicker</code>" in html
    assert "still here" in html


def test_mrkdwn_formatting_mentions_links_dates_and_escaping() -> None:
    html = str(mrkdwn_to_html(
        "*bold* _it_ ~gone~ `a*b*` <@UMINJI> <@UNKNOWN|someone> <#CINC1> <!subteam^SONCALL> <!here> "
        "<https://example.com/a?b=1&amp;c=2|the runbook> &lt;script&gt; :fire:\n• one\n2. two\n```x <y>```"
        " <!date^1795305600^{date_short} {time}|fallback>", DIRECTORY))
    assert "<b>bold</b> <i>it</i> <s>gone</s> <code>a*b*</code>" in html
    assert '@Minji Park</span>' in html and "@someone</span>" in html and "#inc-1-db</span>" in html
    assert "@oncall</span>" in html and 'broadcast">@here</span>' in html
    assert '<a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener">the runbook</a>' in html
    assert "&lt;script&gt;" in html and "<script" not in html
    assert '<span class="emoji">:fire:</span>' in html
    assert '<div class="li">• one</div><div class="li">2. two</div>' in html
    assert "<pre>x &lt;y&gt;</pre>" in html
    assert '<time class="date">Nov 22, 2026 00:00</time>' in html


def test_unsafe_links_are_not_links() -> None:
    html = str(mrkdwn_to_html("<javascript:alert(1)|click>", DIRECTORY))
    assert "<a " not in html and "javascript" in html


def test_firebells_own_declare_modal_and_home_view() -> None:
    catalog = Catalog("en")
    severities = parse_policy(TEST_POLICY).severity_table()
    modal = {**declare_modal(catalog, severities, initial_commander="USORA", private_metadata="{}"), "id": "V1"}
    html = str(render_view(modal, Renderer(DIRECTORY)))
    assert 'class="view view-modal" data-view-id="V1"' in html and "bk-unknown" not in html
    assert "<select" in html and "<input" in html and "modal-submit" in html
    home = str(render_view(home_view(catalog, severities, []), Renderer(DIRECTORY)))
    assert 'class="view view-home"' in home and "bk-header" in home


def test_payload_state_is_rebuilt_from_the_blocks_the_person_saw() -> None:
    options = [Option(value="0", text="a"), Option(value="1", text="b")]
    blocks = [SectionBlock(block_id="checklist:3", text="x", accessory=CheckboxesElement(
        action_id="checklist.toggle", options=options)).to_dict(),
        InputBlock(block_id="severity", label="S", element=StaticSelectElement(
            action_id="severity_select", options=options)).to_dict(),
        InputBlock(block_id="who", label="W", element=UserSelectElement(action_id="pick")).to_dict(),
        InputBlock(block_id="title", label="T", element=PlainTextInputElement(action_id="t")).to_dict()]
    element = find_element(blocks, "checklist:3", "checklist.toggle")
    assert element is not None
    assert element_state(element, ["1"])["selected_options"] == [options[1].to_dict()]
    assert find_element(blocks, "checklist:3", "nope") is None
    values = view_values({"blocks": blocks}, {"severity": {"severity_select": "0"}, "who": {"pick": "USORA"},
                                              "title": {"t": "DB down"}})
    assert values == {"severity": {"severity_select": {"type": "static_select",
                                                       "selected_option": options[0].to_dict()}},
                      "who": {"pick": {"type": "users_select", "selected_user": "USORA"}},
                      "title": {"t": {"type": "plain_text_input", "value": "DB down"}}}
