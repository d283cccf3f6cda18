"""What alerts look like in Slack, as pure functions: the incident's alerts live message (posted once,
then edited in place) and the "all alerts resolved — resolve?" prompt."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ContextBlock, MarkdownTextObject, SectionBlock

from bot.i18n import Catalog
from bot.slack import ids
from bot.slack.blocks import dump_blocks
from bot.slack.text import Mrkdwn, clip
from storage.alerts_models import Alert

SHOWN = 10


def alert_line(t: Catalog, alert: Alert) -> Mrkdwn:
    service = t("alerts.service_suffix", service=alert.service) if alert.service else Mrkdwn("")
    state = t("alerts.state_firing") if alert.status == "firing" else t("alerts.state_resolved")
    return t("alerts.live_line", state=state, title=clip(alert.title, 150), service=service)


def live_text(t: Catalog, number: int, counts: tuple[int, int, int]) -> str:
    firing, resolved, received = counts
    counted = t("alerts.live_counts", firing=firing, resolved=resolved, received=received)
    return f"{t('alerts.live_header', number=number)} — {counted}"


def live_blocks(t: Catalog, number: int, counts: tuple[int, int, int], alerts: Sequence[Alert]) -> list[dict[str, Any]]:
    firing, resolved, received = counts
    lines = [alert_line(t, a) for a in alerts[:SHOWN]]
    if firing + resolved > len(lines):
        lines.append(t("alerts.live_more", count=firing + resolved - len(lines)))
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=t("alerts.live_header", number=number))),
        ContextBlock(elements=[MarkdownTextObject(
            text=t("alerts.live_counts", firing=firing, resolved=resolved, received=received))]),
    ]
    if lines:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip("\n".join(lines), 3000))))
    return dump_blocks(blocks)


def ask_resolve(t: Catalog, number: int) -> tuple[str, list[dict[str, Any]]]:
    text = t("alerts.ask_resolve", number=number)
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=text)),
        ActionsBlock(block_id=f"{ids.INCIDENT_ACTIONS_BLOCK}:alerts:{number}", elements=[
            ButtonElement(text=t.plain("alerts.resolve_button"), action_id=ids.RESOLVE, value=str(number),
                          style="primary"),
        ]),
    ]
    return text, dump_blocks(blocks)


def suppressed_summary(t: Catalog, alerts: Sequence[Alert]) -> str:
    titles = ", ".join(clip(a.title, 80) for a in alerts[:5]) + (" …" if len(alerts) > 5 else "")
    return t("alerts.suppressed_summary", count=len(alerts), titles=titles)


def suppressed_line(t: Catalog, alerts: Sequence[Alert]) -> str:
    titles = ", ".join(clip(a.title, 60) for a in alerts[:3]) + (" …" if len(alerts) > 3 else "")
    return t("alerts.suppressed_line", count=len(alerts), titles=titles)
