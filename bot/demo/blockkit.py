"""Block Kit to HTML for the demo page.

Renders what Firebell sends: header, section (text, fields, accessory), context, divider, actions, input;
buttons (styles, confirm dialogs), checkboxes, static and user selects, plain-text inputs. Anything else
shows a labelled placeholder, so a new block type never breaks the page. Interactive elements carry
`data-action` (block and action id, value) that the page's script sends back; the server rebuilds Slack's
payload from the stored message, so the bot receives what Slack would send.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape

from bot.demo.mrkdwn import Directory, mrkdwn_to_html, plain_to_html


def text_html(obj: Any, directory: Directory) -> Markup:
    """A text object (plain_text or mrkdwn), or a bare string (a message's fallback text is mrkdwn)."""
    if obj is None:
        return Markup("")
    if isinstance(obj, str):
        return mrkdwn_to_html(obj, directory)
    if obj.get("type") == "mrkdwn":
        return mrkdwn_to_html(str(obj.get("text", "")), directory)
    return plain_to_html(str(obj.get("text", "")), bool(obj.get("emoji", True)))


def _plain(obj: Any) -> str:
    return str(obj.get("text", "")) if isinstance(obj, dict) else str(obj or "")


def _unknown(kind: str, what: str) -> Markup:
    return Markup('<div class="bk-unknown">Unsupported {} <code>{}</code></div>').format(what, kind or "?")


def _data(block_id: str | None, element: dict[str, Any], **extra: Any) -> str:
    return json.dumps({"block_id": block_id, "action_id": element.get("action_id"), "type": element.get("type"),
                       **extra})


class Renderer:
    """Renders blocks for one person: `people` are the choices of a user select."""

    def __init__(self, directory: Directory, people: dict[str, str] | None = None) -> None:
        self.directory = directory
        self.people = people if people is not None else directory.users
        self._blocks: dict[str, Callable[[dict[str, Any]], Markup]] = {
            "header": self.header, "section": self.section, "context": self.context, "divider": self.divider,
            "actions": self.actions, "input": self.input,
        }
        self._elements: dict[str, Callable[[str | None, dict[str, Any]], Markup]] = {
            "button": self.button, "checkboxes": self.checkboxes, "static_select": self.static_select,
            "users_select": self.users_select, "plain_text_input": self.plain_text_input,
        }

    # --- blocks ---------------------------------------------------------------------------------------------

    def blocks(self, blocks: list[dict[str, Any]] | None) -> Markup:
        parts = []
        for block in blocks or []:
            render = self._blocks.get(str(block.get("type")))
            try:
                parts.append(render(block) if render else _unknown(str(block.get("type")), "block"))
            except (AttributeError, KeyError, TypeError, ValueError):
                parts.append(_unknown(str(block.get("type")), "block (malformed)"))
        return Markup("").join(parts)

    def header(self, block: dict[str, Any]) -> Markup:
        return Markup('<div class="bk-header">{}</div>').format(text_html(block.get("text"), self.directory))

    def section(self, block: dict[str, Any]) -> Markup:
        inner = Markup("")
        if block.get("text"):
            inner += Markup('<div class="bk-text">{}</div>').format(text_html(block["text"], self.directory))
        if block.get("fields"):
            fields = Markup("").join(Markup('<div class="bk-field">{}</div>').format(text_html(f, self.directory))
                                     for f in block["fields"])
            inner += Markup('<div class="bk-fields">{}</div>').format(fields)
        accessory = block.get("accessory")
        side = self.element(block.get("block_id"), accessory) if accessory else Markup("")
        return Markup('<div class="bk-section"><div class="bk-main">{}</div><div class="bk-accessory">{}</div>'
                      "</div>").format(inner, side)

    def context(self, block: dict[str, Any]) -> Markup:
        parts = Markup("").join(
            Markup("<span>{}</span>").format(text_html(e, self.directory)) if e.get("type") != "image"
            else Markup('<span class="bk-image">[{}]</span>').format(e.get("alt_text", "image"))
            for e in block.get("elements", []))
        return Markup('<div class="bk-context">{}</div>').format(parts)

    def divider(self, _block: dict[str, Any]) -> Markup:
        return Markup('<hr class="bk-divider">')

    def actions(self, block: dict[str, Any]) -> Markup:
        parts = Markup("").join(self.element(block.get("block_id"), e) for e in block.get("elements", []))
        return Markup('<div class="bk-actions">{}</div>').format(parts)

    def input(self, block: dict[str, Any]) -> Markup:
        optional = Markup(' <span class="bk-optional">(optional)</span>') if block.get("optional") else Markup("")
        hint = (Markup('<div class="bk-hint">{}</div>').format(text_html(block["hint"], self.directory))
                if block.get("hint") else Markup(""))
        return Markup('<div class="bk-input" data-block-id="{}"><label class="bk-label">{}{}</label>{}{}'
                      '<div class="bk-error" hidden></div></div>').format(
            block.get("block_id", ""), text_html(block.get("label"), self.directory), optional,
            self.element(block.get("block_id"), block.get("element") or {}), hint)

    # --- elements -----------------------------------------------------------------------------------------

    def element(self, block_id: str | None, element: dict[str, Any]) -> Markup:
        render = self._elements.get(str(element.get("type")))
        return render(block_id, element) if render else _unknown(str(element.get("type")), "element")

    def button(self, block_id: str | None, element: dict[str, Any]) -> Markup:
        style = element.get("style") or "default"
        confirm = element.get("confirm")
        confirm_data = json.dumps({
            "title": _plain(confirm.get("title")), "text": _plain(confirm.get("text")),
            "confirm": _plain(confirm.get("confirm")) or "Confirm", "deny": _plain(confirm.get("deny")) or "Cancel",
            "style": confirm.get("style") or "primary",
        }) if confirm else ""
        if element.get("url"):
            return Markup('<a class="bk-button bk-{}" href="{}" target="_blank" rel="noopener">{}</a>').format(
                style, element["url"], text_html(element.get("text"), self.directory))
        return Markup('<button class="bk-button bk-{}" data-action="{}" data-confirm="{}">{}</button>').format(
            style, _data(block_id, element, value=element.get("value")), confirm_data,
            text_html(element.get("text"), self.directory))

    def checkboxes(self, block_id: str | None, element: dict[str, Any]) -> Markup:
        chosen = {option.get("value") for option in element.get("initial_options") or []}
        boxes = Markup("").join(
            Markup('<label class="bk-checkbox"><input type="checkbox" value="{}"{}> <span>{}</span>{}</label>').format(
                option.get("value"), Markup(" checked") if option.get("value") in chosen else Markup(""),
                text_html(option.get("text"), self.directory),
                Markup('<small class="bk-description">{}</small>').format(
                    text_html(option["description"], self.directory)) if option.get("description") else Markup(""))
            for option in element.get("options", []))
        return Markup('<div class="bk-checkboxes" data-action="{}">{}</div>').format(_data(block_id, element), boxes)

    def _select(self, block_id: str | None, element: dict[str, Any], options: list[tuple[str, str]],
                initial: str | None) -> Markup:
        placeholder = _plain(element.get("placeholder")) or "Select…"
        rendered = Markup('<option value="">{}</option>').format(placeholder) + Markup("").join(
            Markup('<option value="{}"{}>{}</option>').format(value, Markup(" selected") if value == initial
                                                               else Markup(""), label)
            for value, label in options)
        return Markup('<select class="bk-select" data-action="{}">{}</select>').format(_data(block_id, element),
                                                                                      rendered)

    def static_select(self, block_id: str | None, element: dict[str, Any]) -> Markup:
        options = list(element.get("options") or [])
        for group in element.get("option_groups") or []:
            options.extend(group.get("options") or [])
        initial = (element.get("initial_option") or {}).get("value")
        return self._select(block_id, element, [(str(o.get("value")), _plain(o.get("text"))) for o in options],
                            initial)

    def users_select(self, block_id: str | None, element: dict[str, Any]) -> Markup:
        return self._select(block_id, element, sorted(self.people.items(), key=lambda p: p[1]),
                            element.get("initial_user"))

    def plain_text_input(self, block_id: str | None, element: dict[str, Any]) -> Markup:
        placeholder = _plain(element.get("placeholder"))
        initial = str(element.get("initial_value") or "")
        if element.get("multiline"):
            return Markup('<textarea class="bk-text-input" data-action="{}" placeholder="{}" rows="3">{}</textarea>'
                          ).format(_data(block_id, element), placeholder, initial)
        return Markup('<input class="bk-text-input" type="text" data-action="{}" placeholder="{}" value="{}">').format(
            _data(block_id, element), placeholder, initial)


def render_view(view: dict[str, Any], renderer: Renderer) -> Markup:
    """A modal or an App Home tab: its title, blocks and buttons."""
    title = Markup('<div class="view-title">{}</div>').format(text_html(view.get("title"), renderer.directory)) \
        if view.get("title") else Markup("")
    body = renderer.blocks(view.get("blocks"))
    if view.get("type") != "modal":
        return Markup('<div class="view view-home">{}{}</div>').format(title, body)
    submit = _plain(view.get("submit")) or "Submit"
    close = _plain(view.get("close")) or "Cancel"
    return Markup('<form class="view view-modal" data-view-id="{}">{}<div class="view-body">{}</div>'
                  '<div class="view-buttons"><button type="button" class="bk-button bk-default modal-close">{}</button>'
                  '<button type="submit" class="bk-button bk-primary modal-submit">{}</button></div></form>').format(
        view.get("id", ""), title, body, close, submit)


__all__ = ["Directory", "Renderer", "escape", "render_view", "text_html"]
