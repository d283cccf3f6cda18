"""Slack mrkdwn to HTML, for the demo page: bold, italic, strike, code, links, lists, mentions, dates.

Slack text arrives with `&`, `<` and `>` escaped and its special forms in angle brackets (`<@U1>`,
`<#C1|name>`, `<!subteam^S1>`, `<!here>`, `<!date^…>`, `<https://…|label>`). Those are turned into
HTML first (as placeholders), then the rest is unescaped, escaped again for HTML, and formatted.
Emoji shortcodes stay as text, as the issue asks.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

_SPECIAL = re.compile(r"<([^<>\n]+)>")
_PLACEHOLDER = re.compile("\x00(\\d+)\x00")
_CODE_BLOCK = re.compile(r"```(.+?)```", re.DOTALL)
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?!\s)([^_\n]+?)(?<!\s)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?!\s)([^~\n]+?)(?<!\s)~(?![\w~])")
_EMOJI = re.compile(r":([a-z0-9_+\-]+):")
_LIST_ITEM = re.compile(r"^(\s*)([-•◦]|\d+[.)])\s+(.*)$")
_SAFE_LINK = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)


@dataclass
class Directory:
    """Names for the ids Slack text mentions, and the time dates are shown in."""

    users: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    zone: str = "UTC"
    now: Callable[[], datetime] = lambda: datetime.now(UTC)


def _format_date(stamp: int, pattern: str, directory: Directory) -> str:
    moment = datetime.fromtimestamp(stamp, UTC).astimezone(ZoneInfo(directory.zone))
    delta = directory.now() - moment
    if abs(delta) < timedelta(minutes=1):
        ago = "just now"
    elif delta > timedelta(0):
        minutes = int(delta.total_seconds() // 60)
        ago = f"{minutes} min ago" if minutes < 60 else f"{minutes // 60} h ago"
    else:
        minutes = int(-delta.total_seconds() // 60)
        ago = f"in {minutes} min" if minutes < 60 else f"in {minutes // 60} h"
    tokens = {
        "date_num": moment.strftime("%Y-%m-%d"), "date": moment.strftime("%B %d, %Y"),
        "date_short": moment.strftime("%b %d, %Y"), "date_long": moment.strftime("%A, %B %d, %Y"),
        "date_pretty": moment.strftime("%B %d, %Y"), "date_short_pretty": moment.strftime("%b %d, %Y"),
        "date_long_pretty": moment.strftime("%A, %B %d, %Y"), "time": moment.strftime("%H:%M"),
        "time_secs": moment.strftime("%H:%M:%S"), "ago": ago,
    }
    return re.sub(r"\{(\w+)\}", lambda m: tokens.get(m.group(1), m.group(0)), pattern)


def _special(inner: str, directory: Directory) -> Markup:
    """One `<…>` form as HTML."""
    target, _, label = inner.partition("|")
    label = html.unescape(label)
    if target.startswith("@"):
        user = target[1:]
        name = directory.users.get(user) or label or user
        return Markup('<span class="mention user" data-user="{}">@{}</span>').format(user, name)
    if target.startswith("#"):
        channel = target[1:]
        name = directory.channels.get(channel) or label or channel
        return Markup('<span class="mention channel" data-channel="{}">#{}</span>').format(channel, name)
    if target.startswith("!subteam^"):
        group = target.removeprefix("!subteam^")
        name = directory.groups.get(group) or label.lstrip("@") or group
        return Markup('<span class="mention group">@{}</span>').format(name)
    if target.startswith("!date^"):
        parts = target.split("^")
        try:
            text = _format_date(int(parts[1]), html.unescape(parts[2]) if len(parts) > 2 else "{date}", directory)
        except (ValueError, IndexError, OverflowError):
            text = label or target
        return Markup('<time class="date">{}</time>').format(text)
    if target in ("!here", "!channel", "!everyone"):
        return Markup('<span class="mention broadcast">@{}</span>').format(target[1:])
    url = html.unescape(target)
    if _SAFE_LINK.match(url):
        return Markup('<a href="{}" target="_blank" rel="noopener">{}</a>').format(url, label or url)
    return Markup("{}").format("<" + html.unescape(inner) + ">")


def _inline(text: str) -> str:
    """Bold, italic, strike and emoji on HTML-escaped text (outside code)."""
    text = _BOLD.sub(r"<b>\1</b>", text)
    text = _ITALIC.sub(r"<i>\1</i>", text)
    text = _STRIKE.sub(r"<s>\1</s>", text)
    return _EMOJI.sub(r'<span class="emoji">:\1:</span>', text)


def _lines(text: str) -> str:
    """Lines joined with <br>; list lines (`•`, `-`, `1.`) keep their marker, as Slack shows them, indented."""
    out: list[str] = []
    for line in text.split("\n"):
        match = _LIST_ITEM.match(line)
        if match:
            out.append(f'<div class="li">{match.group(2)} {match.group(3)}</div>')
        else:
            out.append(line + "<br>")
    return "".join(out).removesuffix("<br>")


def mrkdwn_to_html(text: str, directory: Directory | None = None) -> Markup:
    directory = directory or Directory()
    pieces: list[Markup] = []

    def hold(markup: Markup) -> str:
        pieces.append(markup)
        return f"\x00{len(pieces) - 1}\x00"

    held = _SPECIAL.sub(lambda m: hold(_special(m.group(1), directory)), text)
    escaped = str(escape(html.unescape(held)))
    escaped = _CODE_BLOCK.sub(lambda m: hold(Markup("<pre>{}</pre>").format(Markup(m.group(1).strip("\n")))), escaped)
    escaped = _CODE.sub(lambda m: hold(Markup("<code>{}</code>").format(Markup(m.group(1)))), escaped)
    formatted = _lines(_inline(escaped))
    # Placeholders may nest (a mention inside code): put them back until none is left.
    while _PLACEHOLDER.search(formatted):
        formatted = _PLACEHOLDER.sub(lambda m: str(pieces[int(m.group(1))]), formatted)
    return Markup(formatted)


def plain_to_html(text: str, emoji: bool = True) -> Markup:
    escaped = str(escape(text))
    if emoji:
        escaped = _EMOJI.sub(r'<span class="emoji">:\1:</span>', escaped)
    return Markup(escaped.replace("\n", "<br>"))
