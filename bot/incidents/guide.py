"""What each severity means, from the policy's descriptions (001's Critical / Major / Minor, 004's P0–P4):
shown under the declare form's severity menu and in `/incident help`, so people pick the right level."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, ContextBlock, InputBlock, MarkdownTextObject, Option, StaticSelectElement

from bot.i18n import Catalog
from bot.incidents.severity import SeverityTable
from bot.slack import ids
from bot.slack.blocks import format_duration
from bot.slack.text import clip, escape


def severity_guide(t: Catalog, severities: SeverityTable) -> str:
    """One line per severity that has a description; empty when none has."""
    lines = [t("help.severity_line", id=s.id, name=s.name(t.locale), description=s.description(t.locale),
               ack=format_duration(t, s.ack_within), resolve=format_duration(t, s.resolve_within))
             for s in severities.ordered if s.description(t.locale)]
    return "\n".join([t("help.severities"), *lines]) if lines else ""


def severity_guide_blocks(t: Catalog, severities: SeverityTable) -> list[Block]:
    """The descriptions as a context block (Slack allows 10 elements of 3000 characters)."""
    elements = [MarkdownTextObject(text=clip(f"*{s.id}* {escape(s.name(t.locale))}: "
                                             f"{escape(s.description(t.locale))}", 3000))
                for s in severities.ordered if s.description(t.locale)]
    return [ContextBlock(elements=elements[:10])] if elements else []


def type_select_blocks(t: Catalog, incident_types: Sequence[tuple[str, str]]) -> list[Block]:
    """An optional menu of the policy's incident types (key, label); none when the policy has none."""
    if not incident_types:
        return []
    options = [Option(value=key, text=clip(label, 75)) for key, label in incident_types[:100]]
    return [InputBlock(block_id=ids.DECLARE_TYPE_BLOCK, label=t("modal.declare.type_label"), optional=True,
                       element=StaticSelectElement(action_id=ids.DECLARE_TYPE_ACTION, options=options))]


def type_choices(policy: object, locale: str) -> list[tuple[str, str]]:
    """(key, label) of each incident type of the policy, for the declare form."""
    types = getattr(policy, "incident_types", {}) or {}
    return [(key, kind.label(key, locale)) for key, kind in types.items()]
