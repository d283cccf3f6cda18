"""The one home for errors after the ack, and the canonical log line of every handled request.

Bolt's async runner drops an ack whose listener raises right after it (the request then looks
unacknowledged and Slack shows a timeout), so nothing may escape a listener once it has acked.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import structlog

from bot.errors import FirebellError, SlackCallFailed, UsageError
from bot.logging import get_logger
from bot.messages import Catalog
from bot.notifier import ReplyTarget

if TYPE_CHECKING:
    from bot.app import Services

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


@contextlib.asynccontextmanager
async def answering(context: Any, reply: ReplyTarget) -> AsyncIterator[None]:
    """Run post-ack work: domain errors become an ephemeral answer, bugs a reference id."""
    services: Services = context["services"]
    outcome = "ok"
    services.inflight += 1
    try:
        yield
    except FirebellError as error:
        outcome = "rejected"
        await services.flows.tell(reply, render_error(services.catalog, error))
    except SlackCallFailed as error:
        outcome = "slack_failed"
        await services.flows.tell(reply, services.catalog("error.slack_failed", method=error.method, code=error.code))
    except Exception:
        outcome = "failed"
        ref = uuid.uuid4().hex[:8]
        log.exception("listener_failed", ref=ref)
        with contextlib.suppress(Exception):
            await services.flows.tell(reply, services.catalog("error.internal", ref=ref))
    finally:
        services.inflight -= 1
        finish_log(context, outcome)


def bind_incident(number: int) -> None:
    structlog.contextvars.bind_contextvars(incident=number)
