"""The stand-in's part of Slack's file upload flow (`files.uploadV2` in the SDKs):
files.getUploadURLExternal → POST the bytes to the URL it gave → files.completeUploadExternal.

Kept beside api.py (FakeSlack mixes it in) so the stand-in's modules stay small.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class StoredFile:
    id: str
    filename: str
    length: int
    content: bytes | None = None
    title: str | None = None
    channels: list[str] = field(default_factory=list)
    initial_comment: str | None = None
    thread_ts: str | None = None


class FileUploads:
    """Slack's external upload: a file is announced, uploaded, then shared to a channel."""

    files: dict[str, StoredFile]
    channels: dict[str, dict[str, Any]]

    def _init_files(self) -> None:
        self.files = {}
        self._file_ids = itertools.count(1)

    def add_file_routes(self, app: web.Application) -> None:
        app.router.add_post("/upload/{file_id}", self._upload)

    def shared_files(self, channel: str) -> list[StoredFile]:
        return [f for f in self.files.values() if channel in f.channels]

    def _upload_base(self) -> str:
        server = getattr(self, "server", None)
        assert server is not None, "the stand-in is not started"
        return str(server.make_url("/"))

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        filename = str(args.get("filename", ""))
        try:
            length = int(args.get("length", ""))
        except ValueError:
            return {"error": "invalid_arguments"}
        if not filename or length <= 0:
            return {"error": "invalid_arguments"}
        file_id = f"F{next(self._file_ids):06d}"
        self.files[file_id] = StoredFile(file_id, filename, length)
        return {"upload_url": f"{self._upload_base()}upload/{file_id}", "file_id": file_id}

    async def _upload(self, request: web.Request) -> web.Response:
        stored = self.files.get(request.match_info["file_id"])
        if stored is None:
            return web.Response(status=404, text="unknown file")
        content = await request.read()
        if len(content) != stored.length:
            return web.Response(status=400, text="length mismatch")
        stored.content = content
        return web.Response(text=f"OK - {len(content)}")

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        raw = args.get("files")
        entries = json.loads(raw) if isinstance(raw, str) else raw
        if not isinstance(entries, list) or not entries:
            return {"error": "invalid_arguments"}
        channel = args.get("channel_id")
        if channel is not None:
            target = self.channels.get(str(channel))
            if target is None and not str(channel).startswith(("U", "W", "D")):
                return {"error": "channel_not_found"}
            if target is not None and "UFIREBELL" not in target["members"]:
                return {"error": "not_in_channel"}
        done = []
        for entry in entries:
            stored = self.files.get(str(entry.get("id", "")))
            if stored is None or stored.content is None:
                return {"error": "file_not_found"}
            stored.title = entry.get("title") or stored.filename
            if channel is not None and str(channel) not in stored.channels:  # completing twice shares once
                stored.channels.append(str(channel))
            stored.initial_comment = args.get("initial_comment")
            stored.thread_ts = args.get("thread_ts")
            done.append({"id": stored.id, "title": stored.title, "name": stored.filename})
        return {"files": done}
