"""The incident modals (declare, post an update), built with slack_sdk.models, whose to_dict() validates them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.i18n import Catalog
from bot.incidents.guide import severity_guide_blocks, type_select_blocks
from bot.incidents.severity import SeverityTable
from bot.slack import ids
from bot.slack.text import clip


def _modal(
    t: Catalog, *, callback_id: str, title: str, submit: str, private_metadata: str, blocks: list[InputBlock]
) -> dict[str, Any]:
    view = View(
        type="modal",
        callback_id=callback_id,
        title=PlainTextObject(text=title),
        submit=PlainTextObject(text=submit),
        close=PlainTextObject(text=t("modal.close")),
        private_metadata=private_metadata,
        blocks=blocks,
    )
    return view.to_dict()


def declare_modal(
    t: Catalog, severities: SeverityTable, *, initial_commander: str | None, private_metadata: str,
    incident_types: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    options = [
        Option(value=s.id, text=clip(t.plain("severity.option", id=s.id, name=s.name(t.locale)), 75),
               description=clip(s.description(t.locale), 75) or None)
        for s in severities.ordered
    ]
    default = next(o for o in options if o.value == severities.default.id)
    commander = UserSelectElement(action_id=ids.DECLARE_COMMANDER_ACTION)
    if initial_commander:
        commander = UserSelectElement(action_id=ids.DECLARE_COMMANDER_ACTION, initial_user=initial_commander)
    return _modal(
        t, callback_id=ids.DECLARE_VIEW, title=t("modal.declare.title"), submit=t("modal.declare.submit"),
        private_metadata=private_metadata,
        blocks=[
            InputBlock(
                block_id=ids.DECLARE_TITLE_BLOCK,
                label=t("modal.declare.title_label"),
                element=PlainTextInputElement(
                    action_id=ids.DECLARE_TITLE_ACTION,
                    max_length=150,
                    placeholder=t("modal.declare.title_placeholder"),
                ),
            ),
            InputBlock(
                block_id=ids.DECLARE_SEVERITY_BLOCK,
                label=t("modal.declare.severity_label"),
                element=StaticSelectElement(
                    action_id=ids.DECLARE_SEVERITY_ACTION, options=options, initial_option=default
                ),
            ),
            *severity_guide_blocks(t, severities),
            *type_select_blocks(t, incident_types),
            InputBlock(
                block_id=ids.DECLARE_SERVICE_BLOCK,
                label=t("modal.declare.service_label"),
                optional=True,
                element=PlainTextInputElement(action_id=ids.DECLARE_SERVICE_ACTION, max_length=200),
            ),
            InputBlock(
                block_id=ids.DECLARE_DESCRIPTION_BLOCK,
                label=t("modal.declare.description_label"),
                optional=True,
                element=PlainTextInputElement(
                    action_id=ids.DECLARE_DESCRIPTION_ACTION, multiline=True, max_length=2900
                ),
            ),
            InputBlock(
                block_id=ids.DECLARE_COMMANDER_BLOCK,
                label=t("modal.declare.commander_label"),
                optional=True,
                element=commander,
            ),
        ],
    )


def update_modal(t: Catalog, *, number: int, private_metadata: str) -> dict[str, Any]:
    text = InputBlock(
        block_id=ids.UPDATE_TEXT_BLOCK,
        label=clip(t("modal.update.label", number=number), 2000),
        element=PlainTextInputElement(action_id=ids.UPDATE_TEXT_ACTION, multiline=True, max_length=2900),
    )
    return _modal(t, callback_id=ids.UPDATE_VIEW, title=t("modal.update.title"), submit=t("modal.update.submit"),
                  private_metadata=private_metadata, blocks=[text])
