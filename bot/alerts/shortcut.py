"""The message shortcut "Declare incident" (raise from Slack): the declare form prefilled with the message's
text, its description linking back to the message. Pure: the form is the declare form, filled in."""

from __future__ import annotations

import copy
import re
from typing import Any

from bot.i18n import Catalog
from bot.incidents.modals import declare_modal
from bot.incidents.severity import SeverityTable
from bot.slack import ids
from bot.slack.text import clip

CALLBACK_ID = "declare_from_message"
TITLE_LIMIT = 150
DESCRIPTION_LIMIT = 2900
_MARKUP = re.compile(r"<([@#!][^>|]*)(?:\|([^>]*))?>|<(https?://[^>|]+)(?:\|([^>]*))?>")


def plain_text(text: str) -> str:
    """Slack markup (<@U1>, <#C1|name>, <https://x|label>) as a person would read it in a text field."""
    def readable(match: re.Match[str]) -> str:
        if match.group(3):
            return match.group(4) or match.group(3)
        return match.group(2) or match.group(1)

    text = _MARKUP.sub(readable, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def permalink(domain: str | None, channel: str, ts: str) -> str | None:
    """Slack's permalink format (https://<domain>.slack.com/archives/<channel>/p<ts without the dot>)."""
    if not domain or not re.fullmatch(r"[a-z0-9-]+", domain) or not re.fullmatch(r"[0-9]+\.[0-9]+", ts):
        return None
    return f"https://{domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"


def prefilled_declare_modal(t: Catalog, severities: SeverityTable, *, actor: str, message_text: str,
                            link: str | None, private_metadata: str) -> dict[str, Any]:
    text = plain_text(message_text).strip()
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    description = text if link is None else f"{text}\n\n{t.plain('shortcut.from_message', link=link)}"
    view = copy.deepcopy(declare_modal(t, severities, initial_commander=actor, private_metadata=private_metadata))
    for block in view["blocks"]:
        element = block.get("element") or {}
        if block.get("block_id") == ids.DECLARE_TITLE_BLOCK and first_line:
            element["initial_value"] = clip(first_line, TITLE_LIMIT)
        elif block.get("block_id") == ids.DECLARE_DESCRIPTION_BLOCK and description.strip():
            element["initial_value"] = clip(description.strip(), DESCRIPTION_LIMIT)
    return view
