"""What the demo page shows: a channel's messages with threads, a person's private answers, a view.

Pure functions over the stand-in's state; the routes in server.py call them.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup

from bot.demo.blockkit import Renderer, render_view, text_html
from bot.demo.mrkdwn import Directory
from bot.slack.standin.api import BOT_USER, Message
from bot.slack.standin.workspace import StandinWorkspace


def directory_of(slack: StandinWorkspace, zone: str, now: Any) -> Directory:
    return Directory(
        users={person.id: person.name for person in slack.people.values()},
        channels={channel["id"]: channel["name"] for channel in slack.channels.values()},
        groups={group: group.removeprefix("S").lower() for group in slack.usergroups},
        zone=zone, now=now,
    )


def _when(ts: str, directory: Directory) -> str:
    with contextlib.suppress(ValueError, OverflowError):
        return datetime.fromtimestamp(float(ts), UTC).strftime("%H:%M")
    return ""


def _message_html(message: Message, author: str, renderer: Renderer, *, extra_class: str = "") -> Markup:
    directory = renderer.directory
    body = renderer.blocks(message.blocks) if message.blocks else text_html(message.text or "", directory)
    edited = Markup(' <span class="edited">(edited)</span>') if message.history else Markup("")
    name = directory.users.get(author, author)
    return Markup('<div class="message {}" data-channel="{}" data-ts="{}"><div class="meta"><b>{}</b> '
                  '<span class="time">{}</span>{}</div><div class="body">{}</div>').format(
        extra_class, message.channel, message.ts, name, _when(message.ts, directory), edited, body)


def channel_html(slack: StandinWorkspace, channel: str, viewer: str, renderer: Renderer) -> Markup:
    """The channel's messages, oldest first, each thread under its parent, and the viewer's private answers."""
    timeline = slack.timeline(channel)
    replies: dict[str, list[Message]] = {}
    for message in timeline:
        if message.thread_ts and message.thread_ts != message.ts:
            replies.setdefault(message.thread_ts, []).append(message)
    entries: list[tuple[float, Markup]] = []
    for message in timeline:
        if message.thread_ts and message.thread_ts != message.ts:
            continue
        author = slack.authors.get((channel, message.ts), BOT_USER)
        html = _message_html(message, author, renderer)
        thread = replies.get(message.ts, [])
        if thread:
            inner = Markup("").join(_message_html(r, slack.authors.get((channel, r.ts), BOT_USER), renderer,
                                                  extra_class="reply") for r in thread)
            html += Markup('<details class="thread" open><summary>{} {}</summary>{}</details>').format(
                len(thread), "reply" if len(thread) == 1 else "replies", inner)
        entries.append((float(message.ts), html + Markup("</div>")))
    for private in slack.privates_for(viewer, channel):
        body = renderer.blocks(private.blocks) if private.blocks else text_html(private.text or "", renderer.directory)
        entries.append((float(private.ts), Markup(
            '<div class="message private"><div class="meta"><b>firebell</b> <span class="time">{}</span> '
            '<span class="only-you">Only visible to you</span></div><div class="body">{}</div></div>').format(
            _when(private.ts, renderer.directory), body)))
    entries.sort(key=lambda entry: entry[0])
    if not entries:
        return Markup('<div class="empty">No messages yet.</div>')
    return Markup("").join(html for _, html in entries)


def home_html(slack: StandinWorkspace, viewer: str, renderer: Renderer) -> Markup:
    view = slack.home_views.get(viewer)
    if view is None:
        return Markup('<div class="empty">The app has not published a Home tab for you yet.</div>')
    return render_view(view, renderer)


def modal_html(slack: StandinWorkspace, viewer: str, renderer: Renderer) -> Markup:
    view = slack.modals.get(viewer)
    return render_view(view, renderer) if view is not None else Markup("")


def find_element(blocks: list[dict[str, Any]] | None, block_id: str | None, action_id: str | None
                 ) -> dict[str, Any] | None:
    """The element a person used, from the blocks they saw (so the payload carries full option objects)."""
    for block in blocks or []:
        if block_id is not None and block.get("block_id") != block_id:
            continue
        candidates = list(block.get("elements") or [])
        for key in ("accessory", "element"):
            if block.get(key):
                candidates.append(block[key])
        for element in candidates:
            if element.get("action_id") == action_id:
                return element
    return None


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return options


def element_state(element: dict[str, Any], raw: Any) -> dict[str, Any]:
    """What Slack reports for an element given what the person chose (a value, a list of values, text)."""
    kind = str(element.get("type"))
    state: dict[str, Any] = {"type": kind}
    if kind == "checkboxes":
        chosen = set(raw or [])
        state["selected_options"] = [o for o in _options(element) if o.get("value") in chosen]
    elif kind == "static_select":
        state["selected_option"] = next((o for o in _options(element) if o.get("value") == raw), None)
    elif kind == "users_select":
        state["selected_user"] = raw or None
    elif kind == "button":
        state["value"] = element.get("value")
        state["text"] = element.get("text")
    else:
        state["value"] = raw if raw not in ("", None) else None
    return state


def view_values(view: dict[str, Any], raw: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """A modal's `state.values` from what the person typed and chose."""
    values: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks") or []:
        element = block.get("element")
        if block.get("type") != "input" or not element:
            continue
        chosen = (raw.get(str(block.get("block_id"))) or {}).get(str(element.get("action_id")))
        values[str(block.get("block_id"))] = {str(element.get("action_id")): element_state(element, chosen)}
    return values
