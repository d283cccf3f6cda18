"""Modal submissions: declare an incident, post an update."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.incidents.commands import TITLE_LIMIT, UPDATE_LIMIT
from bot.slack import ids
from bot.slack.client import ReplyTarget
from bot.slack.text import clip
from handlers.actions import record_number
from handlers.answering import answering, bind_incident, finish_log, once

if TYPE_CHECKING:
    from bot.services import Services


_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]+")


def _metadata(view: dict[str, Any]) -> dict[str, Any] | None:
    """What Firebell wrote into the modal: a JSON object whose `channel`, if any, is a channel id. None for
    anything else (damaged or forged): the submission is refused with `error.bad_form`."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    channel = data.get("channel")
    if channel is not None and not (isinstance(channel, str) and _CHANNEL_ID.fullmatch(channel)):
        return None
    return data


async def refuse_form(ack: AsyncAck, context: Any, block_id: str) -> None:
    """The form's metadata is not what Firebell wrote: say so in the modal; nothing is done."""
    services: Services = context["services"]
    await ack(response_action="errors", errors={block_id: services.catalog("error.bad_form")})
    finish_log(context, "rejected")


def _value(view: dict[str, Any], block: str, action: str, key: str = "value") -> Any:
    element = ((view.get("state") or {}).get("values") or {}).get(block, {}).get(action) or {}
    if key == "selected_option":
        return (element.get("selected_option") or {}).get("value")
    return element.get(key)


async def on_declare_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: Any) -> None:
    services: Services = context["services"]
    t = services.catalog
    metadata = _metadata(view)
    if metadata is None:
        await refuse_form(ack, context, ids.DECLARE_TITLE_BLOCK)
        return
    title = (_value(view, ids.DECLARE_TITLE_BLOCK, ids.DECLARE_TITLE_ACTION) or "").strip()
    if not title:
        await ack(response_action="errors", errors={ids.DECLARE_TITLE_BLOCK: t("error.form_title_required")})
        finish_log(context, "rejected")
        return
    severity = _value(view, ids.DECLARE_SEVERITY_BLOCK, ids.DECLARE_SEVERITY_ACTION, "selected_option")
    if services.severities.get(severity or "") is None:
        allowed = ", ".join(services.severities.ids)
        await ack(response_action="errors",
                  errors={ids.DECLARE_SEVERITY_BLOCK: t("error.missing_severity", allowed=allowed)})
        finish_log(context, "rejected")
        return
    incident_type = _value(view, ids.DECLARE_TYPE_BLOCK, ids.DECLARE_TYPE_ACTION, "selected_option")
    if incident_type is not None and incident_type not in services.parser.policy.policy.incident_types:
        await ack(response_action="errors", errors={ids.DECLARE_TYPE_BLOCK: t("error.form_unknown_type")})
        finish_log(context, "rejected")
        return
    await ack()
    actor = body["user"]["id"]
    reply = ReplyTarget(user_id=actor, channel_id=metadata.get("channel"))
    service = (_value(view, ids.DECLARE_SERVICE_BLOCK, ids.DECLARE_SERVICE_ACTION) or "").strip() or None
    description = (_value(view, ids.DECLARE_DESCRIPTION_BLOCK, ids.DECLARE_DESCRIPTION_ACTION) or "").strip()
    commander = _value(view, ids.DECLARE_COMMANDER_BLOCK, ids.DECLARE_COMMANDER_ACTION, "selected_user")
    async with answering(context, reply):
        await once(context)
        await services.flows.declare(
            title=clip(title, TITLE_LIMIT),
            severity=services.severities[severity.upper()].id,
            actor=actor,
            reply=reply,
            commander_id=commander,
            service=clip(service, 200) if service else None,
            description=clip(description, UPDATE_LIMIT) if description else None,
            request_key=f"view:{view.get('id')}",
            incident_type=incident_type,
        )


async def on_update_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: Any) -> None:
    services: Services = context["services"]
    metadata = _metadata(view)
    number = record_number(metadata.get("incident")) if metadata is not None else None
    if metadata is None or number is None:
        await refuse_form(ack, context, ids.UPDATE_TEXT_BLOCK)
        return
    text = (_value(view, ids.UPDATE_TEXT_BLOCK, ids.UPDATE_TEXT_ACTION) or "").strip()
    if not text:
        await ack(response_action="errors",
                  errors={ids.UPDATE_TEXT_BLOCK: services.catalog("error.form_update_required")})
        finish_log(context, "rejected")
        return
    await ack()
    actor = body["user"]["id"]
    reply = ReplyTarget(user_id=actor, channel_id=metadata.get("channel"))
    async with answering(context, reply):
        await once(context)
        bind_incident(number)
        await services.flows.post_status(number, actor, clip(text, UPDATE_LIMIT), reply)


def register(app: AsyncApp) -> None:
    app.view(ids.DECLARE_VIEW)(on_declare_submitted)
    app.view(ids.UPDATE_VIEW)(on_update_submitted)
