"""Socket Mode, stood in: `apps.connections.open` (with the app-level token) hands out a websocket URL; the
websocket says hello, carries envelopes (spread over the open connections, as Slack does) and takes their
acknowledgements. Tests drop connections, ask for a refresh (`disconnect` / refresh_requested) or refuse
new connections (the network is down)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import uuid
from typing import Any

from aiohttp import WSMsgType, web

APP_TOKEN = "xapp-1-A0001-test-app-token"


class SocketModeStandIn:
    def __init__(self) -> None:
        self.connections: list[web.WebSocketResponse] = []
        self.opened = 0  # apps.connections.open calls answered with a URL
        self.acks: dict[str, dict[str, Any]] = {}
        self.refusing = False  # the network is down: no URL, no websocket
        self._urls: set[str] = set()
        self._next = itertools.count()
        self._acked = asyncio.Event()
        self.base_url = ""

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/api/apps.connections.open", self._open)
        app.router.add_get("/socket/{ticket}", self._socket)

    async def _open(self, request: web.Request) -> web.Response:
        if self.refusing:
            assert request.transport is not None
            request.transport.abort()
            return web.Response(status=500)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not token:
            token = (await request.post()).get("token", "") if request.content_type != "application/json" else ""
        if token != APP_TOKEN:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        ticket = uuid.uuid4().hex
        self._urls.add(ticket)
        self.opened += 1
        host = request.host
        return web.json_response({"ok": True, "url": f"ws://{host}/socket/{ticket}"})

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ticket = request.match_info["ticket"]
        if self.refusing or ticket not in self._urls:
            return web.Response(status=403 if not self.refusing else 503)
        self._urls.discard(ticket)  # one connection per URL
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.connections.append(ws)
        await ws.send_json({"type": "hello", "num_connections": len(self.connections),
                            "debug_info": {"host": "standin", "approximate_connection_time": 3600},
                            "connection_info": {"app_id": "A0001"}})
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    data = json.loads(message.data)
                    if "envelope_id" in data:
                        self.acks[data["envelope_id"]] = data
                        self._acked.set()
        finally:
            if ws in self.connections:
                self.connections.remove(ws)
        return ws

    @property
    def open_connections(self) -> list[web.WebSocketResponse]:
        return [ws for ws in self.connections if not ws.closed]

    async def send(self, kind: str, payload: dict[str, Any], *, retry_attempt: int = 0,
                   envelope_id: str | None = None) -> str:
        """Deliver an envelope on one of the open connections (round robin); returns its envelope id."""
        live = self.open_connections
        assert live, "no Socket Mode connection is open"
        envelope_id = envelope_id or uuid.uuid4().hex
        ws = live[next(self._next) % len(live)]
        await ws.send_json({"envelope_id": envelope_id, "type": kind, "payload": payload,
                            "accepts_response_payload": kind != "events_api", "retry_attempt": retry_attempt,
                            "retry_reason": "timeout" if retry_attempt else ""})
        return envelope_id

    async def ack_of(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        deadline = asyncio.get_running_loop().time() + timeout
        while envelope_id not in self.acks:
            remaining = deadline - asyncio.get_running_loop().time()
            assert remaining > 0, f"envelope {envelope_id} was not acknowledged"
            self._acked.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._acked.wait(), remaining)
        return self.acks[envelope_id]

    async def drop(self) -> None:
        """Every connection breaks without a goodbye (a network blip)."""
        for ws in list(self.connections):
            transport = ws._req.transport if ws._req is not None else None
            if transport is not None:
                transport.abort()
            self.connections.remove(ws)

    async def refresh(self) -> None:
        """Slack asks every connection to reconnect (as it does every few hours), then closes them."""
        for ws in list(self.open_connections):
            await ws.send_json({"type": "disconnect", "reason": "refresh_requested",
                                "debug_info": {"host": "standin"}})
        await asyncio.sleep(0.5)
        for ws in list(self.connections):
            await ws.close()

