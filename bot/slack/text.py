"""Slack text conventions: escaping, clipping, date tokens and channel names."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime

CHANNEL_NAME_LIMIT = 80


def unescape(text: str) -> str:
    """Slack escapes &, < and > in text it sends; store what the person typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def escape(text: str) -> str:
    """Escape user text for mrkdwn so it cannot form mentions or links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def date_token(when: datetime, fmt: str = "{date_short_pretty} {time}") -> str:
    """Slack renders this in each reader's own time zone; the fallback is UTC."""
    epoch = int(when.timestamp())
    fallback = when.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{epoch}^{fmt}|{fallback}>"


def ago_token(when: datetime) -> str:
    return date_token(when, "{ago}")


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
