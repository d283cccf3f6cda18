"""Slack text conventions: escaping, clipping, date tokens and channel names."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime

CHANNEL_NAME_LIMIT = 80


def unescape(text: str) -> str:
    """Slack escapes &, < and > in text it sends; store what the person typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class Mrkdwn(str):
    """Text that is already safe Slack markup: built by code (mentions, links, date tokens, catalog texts)
    or escaped. The catalog inserts it as it is; every other `str` it is given is escaped first."""

    __slots__ = ()

    def join(self, parts: Iterable[str]) -> Mrkdwn:  # type: ignore[override]
        """Join with this separator; parts that are not Mrkdwn are escaped."""
        return Mrkdwn(str.join(self, (escape(part) for part in parts)))


def escape(text: str) -> Mrkdwn:
    """Escape user text for mrkdwn so it cannot form mentions or links. Mrkdwn is returned as it is, so
    nothing is escaped twice."""
    if isinstance(text, Mrkdwn):
        return text
    return Mrkdwn(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


# What clipping Mrkdwn may leave dangling at the end: half an entity (`&am`) or half a token (`<@U12`).
_PARTIAL_MARKUP = re.compile(r"(&[a-z]*|<[^>]*)$")


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, with an ellipsis when shortened; Mrkdwn stays Mrkdwn, without a
    dangling entity or token."""
    if len(text) <= limit:
        return text
    if isinstance(text, Mrkdwn):
        return Mrkdwn(_PARTIAL_MARKUP.sub("", text[: limit - 1]).rstrip() + "…")
    return text[: limit - 1].rstrip() + "…"


def date_token(when: datetime, fmt: str = "{date_short_pretty} {time}") -> Mrkdwn:
    """Slack renders this in each reader's own time zone; the fallback is UTC."""
    epoch = int(when.timestamp())
    fallback = when.strftime("%Y-%m-%d %H:%M UTC")
    return Mrkdwn(f"<!date^{epoch}^{fmt}|{fallback}>")


def ago_token(when: datetime) -> Mrkdwn:
    return date_token(when, "{ago}")


# Slack ids, as the policy and Slack's payloads give them; anything else is shown escaped, never as markup.
_USER_ID = re.compile(r"[UW][A-Z0-9]+")
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]+")
_GROUP_ID = re.compile(r"S[A-Z0-9]+")


def user_mention(user_id: str) -> Mrkdwn:
    """`<@U…>`: Slack shows the person's name."""
    return Mrkdwn(f"<@{user_id}>") if _USER_ID.fullmatch(user_id) else escape(user_id)


def user_mentions(user_ids: Iterable[str]) -> Mrkdwn:
    return Mrkdwn(", ").join(user_mention(u) for u in user_ids)


def channel_link(channel_id: str) -> Mrkdwn:
    """`<#C…>`: Slack shows the channel's name as a link."""
    return Mrkdwn(f"<#{channel_id}>") if _CHANNEL_ID.fullmatch(channel_id) else escape(channel_id)


def group_mention(group_id: str) -> Mrkdwn:
    """`<!subteam^S…>`: notifies a user group."""
    return Mrkdwn(f"<!subteam^{group_id}>") if _GROUP_ID.fullmatch(group_id) else escape(group_id)


_ID_TOKEN = re.compile(r"(<@[UW][A-Z0-9]+>|<#[CGD][A-Z0-9]+>|<!subteam\^S[A-Z0-9]+>)")


def id_markup(text: str) -> Mrkdwn:
    """Text code built from Slack ids (`<@U1> <!subteam^S1>`): those exact tokens stay markup, everything else
    is escaped. Never for what a person typed: it would keep their mentions."""
    if isinstance(text, Mrkdwn):
        return text
    return Mrkdwn("".join(part if i % 2 else escape(part) for i, part in enumerate(_ID_TOKEN.split(text))))


def slack_target(target: str) -> Mrkdwn:
    """A page target as Slack shows it: a person or a channel by its id as a mention or link; anything else
    (a user group id, a rotation's name) as escaped text."""
    if _USER_ID.fullmatch(target):
        return user_mention(target)
    if _CHANNEL_ID.fullmatch(target):
        return channel_link(target)
    return escape(target)


_NOT_ALLOWED = re.compile(r"[^a-z0-9_-]+")


def slugify(title: str, limit: int) -> str:
    """Lowercase ASCII slug; empty when nothing Latin survives (Korean, emoji)."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = _NOT_ALLOWED.sub("-", ascii_text.lower()).strip("-_")
    slug = re.sub(r"-{2,}", "-", slug)
    return slug[:limit].rstrip("-_")


def incident_channel_name(number: int, title: str, suffix: int = 0) -> str:
    """`inc-<number>-<slug>` within Slack's rules: lowercase, [a-z0-9_-], at most 80 characters.

    A title with nothing Latin (Korean, emoji only) gets a short stable hash so names stay distinct.
    """
    prefix = f"inc-{number}"
    tail = f"-{suffix + 1}" if suffix else ""
    room = CHANNEL_NAME_LIMIT - len(prefix) - len(tail) - 1
    slug = slugify(title, room)
    if not slug:
        slug = hashlib.sha1(title.encode()).hexdigest()[:6]
    return f"{prefix}-{slug}{tail}"
