"""The tests' fake Slack as a process of its own, for benchmarks: serves until killed.

    python -m benchmarks.fake_slack_server --port 8100 [--validate-blocks] [--keep-messages 20000]

`BenchSlack` is `bot.slack.standin.FakeSlack` made fit for long runs: it keeps the last
--keep-messages messages (enough for the live summaries being edited), the last 1,000 calls and no
response_url payloads, and by default does not validate Block Kit (real Slack does that on its own
machines, not on the two cores Firebell is measured on; --validate-blocks turns it back on).

What the benchmarks need from it is a log of the effects a person would see, with the wall-clock time
(time.time(), comparable across processes on this machine) at which each arrived:

- GET  /bench/events?after=N   events N, N+1, … as [time, kind, channel, text]: kind "post"
  (chat.postMessage accepted: channel, text), "create" (conversations.create accepted: channel id,
  name), "respond" (a response_url post: its name, text); {"events": [...], "next": M}
- GET  /bench/stats            {"calls": {method: count}, "events": n, "messages": n, "channels": n,
  "block_errors": n}
- POST /bench/reset            forget everything (channels, messages, events) and start over
- GET  /bench/ping             "ok"
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter, deque
from typing import Any

from aiohttp import web

from bot.slack.standin import BlockKitError, FakeSlack, validate_blocks

TEXT_KEPT = 200  # characters of a message's text kept in its event


class BenchSlack(FakeSlack):
    def __init__(self, *, validate_blocks: bool = False, keep_messages: int = 20_000) -> None:
        super().__init__()
        self.validate = validate_blocks
        self.keep_messages = keep_messages
        self.calls = deque(maxlen=1000)  # type: ignore[assignment]  # a bounded list: only the latest count
        self.counts: Counter[str] = Counter()
        self.events: list[tuple[float, str, str, str]] = []

    def reset(self) -> None:
        """Start over with a fresh Slack (the settings chosen on the command line stay)."""
        self.__init__(validate_blocks=self.validate, keep_messages=self.keep_messages)  # type: ignore[misc]

    def record(self, kind: str, channel: str, text: str | None) -> None:
        self.events.append((time.time(), kind, channel, (text or "")[:TEXT_KEPT]))

    # --- the fake's methods, with events and bounded memory ------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        self.counts[request.match_info["method"]] += 1
        return await super()._api(request)

    async def _respond(self, request: web.Request) -> web.Response:
        payload = await request.json()
        if self.validate and payload.get("blocks") is not None:
            try:
                validate_blocks(payload["blocks"])
            except Exception as exc:
                self.block_errors.append(f"response_url: {exc}")
                return web.Response(status=400, text="invalid_blocks")
        self.record("respond", request.match_info["name"], str(payload.get("text", "")))
        return web.Response(text="ok")

    def _message_content(self, args: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]] | None]:
        if self.validate:
            return super()._message_content(args)
        text, blocks = args.get("text"), args.get("blocks")
        if not text and not blocks:
            raise BlockKitError("no_text")
        return text, None  # the blocks are not kept: nothing reads them back

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        result = super()._chat_postMessage(args)
        if "error" not in result:
            self.record("post", result["channel"], result["message"]["text"])
            while len(self.messages) > self.keep_messages:
                del self.messages[next(iter(self.messages))]  # the oldest
        return result

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        result = super()._chat_update(args)
        message = self.messages.get((str(args.get("channel", "")), str(args.get("ts", ""))))
        if message is not None:
            message.history.clear()
        return result

    def _conversations_create(self, args: dict[str, Any]) -> dict[str, Any]:
        result = super()._conversations_create(args)
        if "error" not in result:
            self.record("create", result["channel"]["id"], result["channel"]["name"])
        return result

    # --- the control API -------------------------------------------------------------------------------

    async def _events(self, request: web.Request) -> web.Response:
        after = int(request.query.get("after", "0"))
        return web.json_response({"events": self.events[after:], "next": len(self.events)})

    async def _stats(self, _request: web.Request) -> web.Response:
        return web.json_response({"calls": dict(self.counts), "events": len(self.events),
                                  "messages": len(self.messages), "channels": len(self.channels),
                                  "block_errors": len(self.block_errors)})

    async def _reset(self, _request: web.Request) -> web.Response:
        self.reset()
        return web.Response(text="ok")

    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/respond/{name}", self._respond)
        app.router.add_get("/bench/events", self._events)
        app.router.add_get("/bench/stats", self._stats)
        app.router.add_post("/bench/reset", self._reset)
        app.router.add_get("/bench/ping", self._ping)
        return app

    async def _ping(self, _request: web.Request) -> web.Response:
        return web.Response(text="ok")


async def serve(app: web.Application, host: str, port: int) -> None:
    """Serve `app` the way `firebell run` serves Firebell (AppRunner, TCPSite, no access log) until killed."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fake_slack_server",
                                     description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--validate-blocks", action="store_true", help="validate Block Kit like the tests do")
    parser.add_argument("--keep-messages", type=int, default=20_000, help="messages kept for chat.update")
    args = parser.parse_args(argv)
    slack = BenchSlack(validate_blocks=args.validate_blocks, keep_messages=args.keep_messages)
    asyncio.run(serve(slack.web_app(), args.host, args.port))


if __name__ == "__main__":
    main()
