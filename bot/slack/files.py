"""Uploading a file the way `files.uploadV2` does: files.getUploadURLExternal, the bytes POSTed to the URL
Slack gave, then files.completeUploadExternal to share it in a channel. Needs the `files:write` scope.

Each step is a separate call so the outbox can resume after the last finished one (see
bot/postmortems/deliveries.py); failures surface as SlackCallFailed like every other Slack call.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import SlackCallFailed
from bot.logging import get_logger
from bot.slack.client import SlackNotifier
from bot.slack.outbox import Steps

log = get_logger(__name__)


async def _form_call(client: AsyncWebClient, method: str, **kwargs: Any) -> dict[str, Any]:
    # These two methods take form fields (not a JSON body).
    data = {key: value for key, value in kwargs.items() if value is not None}
    try:
        response = await client.api_call(method, data=data)
    except SlackApiError as exc:
        body = exc.response.data
        code = str(body.get("error", "unknown_error")) if isinstance(body, dict) else f"http_{exc.response.status_code}"
        log.warning("slack_call_failed", method=method, code=code)
        raise SlackCallFailed(method, code) from None
    except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as exc:
        log.warning("slack_call_failed", method=method, code=type(exc).__name__)
        raise SlackCallFailed(method, "connection_error") from None
    return dict(response.data) if isinstance(response.data, dict) else {}


async def reserve_upload(client: AsyncWebClient, filename: str, length: int) -> tuple[str, str]:
    """Step 1: where to send the bytes, and the file's id."""
    data = await _form_call(client, "files.getUploadURLExternal", filename=filename, length=str(length))
    return str(data["upload_url"]), str(data["file_id"])


async def send_bytes(client: AsyncWebClient, upload_url: str, content: bytes) -> None:
    """Step 2: the content itself, to the URL of step 1."""
    session = client.session
    own = session is None
    if session is None:
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
    try:
        async with session.post(upload_url, data=content) as response:
            await response.read()
            if response.status >= 500:
                raise SlackCallFailed("files.upload", f"http_{response.status}")
            if response.status >= 400:
                raise SlackCallFailed("files.upload", "upload_rejected")
    except (aiohttp.ClientError, OSError, TimeoutError):
        raise SlackCallFailed("files.upload", "connection_error") from None
    finally:
        if own:
            await session.close()


async def share_upload(client: AsyncWebClient, file_id: str, title: str, channel: str,
                       comment: str | None = None) -> None:
    """Step 3: the uploaded file shared in the channel, with a comment."""
    await _form_call(client, "files.completeUploadExternal", files=json.dumps([{"id": file_id, "title": title}]),
                     channel_id=channel, initial_comment=comment)


async def upload_in_steps(notifier: Any, steps: Steps, *, filename: str, content: bytes, title: str, channel: str,
                          comment: str | None) -> None:
    """Reserve, send, share; each finished step is stored. New content of another length reserves again."""
    if not isinstance(notifier, SlackNotifier):
        raise SlackCallFailed("files.getUploadURLExternal", "not_supported")
    client = notifier.client
    if steps.get("shared"):
        return
    if not steps.get("file_id") or steps.get("length") != len(content):
        upload_url, file_id = await reserve_upload(client, filename, len(content))
        await steps.save(upload_url=upload_url, file_id=file_id, length=len(content), uploaded=False)
    if not steps.get("uploaded"):
        await send_bytes(client, str(steps.get("upload_url")), content)
        await steps.save(uploaded=True)
    await share_upload(client, str(steps.get("file_id")), title, channel, comment)
    await steps.save(shared=True)
