"""structlog set-up: one processor chain for our logs and the stdlib's, with secrets redacted."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

_SECRET_KEYS = re.compile(r"token|secret|password|authorization|signature", re.IGNORECASE)
_SECRET_VALUES = re.compile(r"(xox[abpr]-|xapp-)[A-Za-z0-9-]+|v0=[0-9a-f]{64}")
REDACTED = "[redacted]"


def redact_value(value: str) -> str:
    return _SECRET_VALUES.sub(lambda m: m.group(1) + REDACTED if m.group(1) else REDACTED, value)


def redact_secrets(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Drop anything that looks like a credential, by key name or by shape."""
    for key, value in list(event.items()):
        if _SECRET_KEYS.search(key) and key != "event":
            event[key] = REDACTED
        elif isinstance(value, str):
            event[key] = redact_value(value)
    return event


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact_secrets,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # The Slack SDK logs whole request bodies at DEBUG; keep it quiet unless asked.
    noisy_level = level if level == "DEBUG" else "WARNING"
    for name in ("slack_sdk", "slack_bolt", "aiohttp.access", "apscheduler", "sqlalchemy.engine"):
        logging.getLogger(name).setLevel(noisy_level)


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)
