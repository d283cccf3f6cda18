"""The one home for errors after the ack, and the canonical log line of every handled request.

Bolt's async runner drops an ack whose listener raises right after it (the request then looks
unacknowledged and Slack shows a timeout), so nothing may escape a listener once it has acked.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import structlog

from bot.aliases import help_text
from bot.errors import FirebellError, SlackCallFailed, UsageError, is_database_trouble
from bot.i18n import Catalog
from bot.logging import get_logger
from bot.metrics import count_request
from bot.slack.blocks import text_blocks
from bot.slack.client import ReplyTarget

if TYPE_CHECKING:
    from bot.services import Services

log = get_logger("firebell.request")

# Parameters that name a status or an action are shown in the reader's language.
_TRANSLATED_PARAMS = {"status": "status.", "action": "action.", "role": "role.", "permission": "permission."}


def render_error(t: Catalog, error: FirebellError) -> str:
    params = dict(error.params)
    for name, prefix in _TRANSLATED_PARAMS.items():
        value = params.get(name)
        if isinstance(value, str):
            with contextlib.suppress(KeyError):
                params[name] = t(prefix + value)
    text = t(error.key, **params)
    if isinstance(error, UsageError):
        text = f"{text}\n{t(error.usage)}"
    return text


def finish_log(context: Any, outcome: str, **fields: Any) -> None:
    started = context.get("request_started")
    latency_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    log.info("request_handled", outcome=outcome, latency_ms=latency_ms, **fields)
    count_request(outcome)


class Repeated(Exception):
    """Slack sent this request before (a retry): it was handled then."""


async def once(context: Any) -> None:
    """Record the request's id in the post-ack work of a request that changes something; a Slack retry
    of it stops here, silently. Nothing before the ack waits on this write."""
    key = context.get("request_key")
    if key is None:
        return
    services: Services = context["services"]
    if not await services.requests.first_time(key, timeout=services.settings.firebell_db_timeout_seconds):
        raise Repeated(key)


async def database_answers(context: Any) -> None:
    """For a request recognised on a retry by its own row (no `once`): still learn within the bound,
    before changing anything, when the database is not answering (TimeoutError: nothing recorded)."""
    services: Services = context["services"]
    await services.requests.database_answers(timeout=services.settings.firebell_db_timeout_seconds)


@contextlib.asynccontextmanager
async def answering(context: Any, reply: ReplyTarget) -> AsyncIterator[None]:
    """Run post-ack work: domain errors become an ephemeral answer, bugs a reference id.

    The work takes one of a fixed number of worker slots, so a burst does not turn into hundreds of
    flows fighting for the event loop and the connection pool; the acknowledgement never waits for it.
    """
    services: Services = context["services"]
    outcome = "ok"
    services.inflight += 1
    try:
        async with services.work_slots.slot():
            yield
    except Repeated:
        outcome = "repeated"
        log.info("request_repeated")
    except FirebellError as error:
        outcome = "rejected"
        await services.flows.tell(reply, render_error(services.catalog, error))
    except SlackCallFailed as error:
        outcome = "slack_failed"
        await services.flows.tell(reply, services.catalog("error.slack_failed", method=error.method, code=error.code))
    except Exception as error:
        if is_database_trouble(error):
            # Each unit of work commits whole or not at all: nothing was recorded, and nothing runs later.
            outcome = "database_unreachable"
            log.warning("database_unreachable", error=type(error).__name__)
            await services.flows.tell(reply, services.catalog("error.database_unreachable"))
            return
        outcome = "failed"
        ref = uuid.uuid4().hex[:8]
        log.exception("listener_failed", ref=ref)
        with contextlib.suppress(Exception):
            await services.flows.tell(reply, services.catalog("error.internal", ref=ref))
    finally:
        services.inflight -= 1
        finish_log(context, outcome)


def reply_target(command: dict[str, Any]) -> ReplyTarget:
    """Answer a slash command's author through its response_url, or ephemerally in its channel."""
    return ReplyTarget(
        user_id=command["user_id"],
        channel_id=command.get("channel_id"),
        response_url=command.get("response_url"),
    )


async def answer_text_command(
    ack: Any,
    command: dict[str, Any],
    context: Any,
    *,
    parse: Callable[[str], Any],
    help_type: type,
    usage_key: str,
    run: Callable[[Services, Any, dict[str, Any]], Awaitable[str]],
) -> None:
    """The shape of /oncall, /checklist and /maintenance: parse and ack at once (usage errors and help
    in the ack itself), then run the command after the ack and answer privately with its text."""
    services: Services = context["services"]
    t = services.catalog
    try:
        parsed = parse(command.get("text", ""))
    except UsageError as error:
        await ack(response_type="ephemeral", text=render_error(t, error))
        finish_log(context, "rejected")
        return
    if isinstance(parsed, help_type):
        await ack(response_type="ephemeral", text=help_text(t, usage_key))  # with the Korean words
        finish_log(context, "ok")
        return
    await ack()
    reply = reply_target(command)
    async with answering(context, reply):
        await once(context)
        text = await run(services, parsed, command)
        await services.notifier.tell(reply, text[:3000], text_blocks(text))


def bind_incident(number: int) -> None:
    structlog.contextvars.bind_contextvars(incident=number)
