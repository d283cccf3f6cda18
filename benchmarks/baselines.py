"""The baseline Firebell is compared with: a bare Bolt app as a process of its own, serving until killed.

    SLACK_SIGNING_SECRET=… SLACK_API_URL=http://127.0.0.1:8100/api/ python -m benchmarks.baselines --port 8200

A slack_bolt `AsyncApp` (request verification on, the same signing secret, its client pointed at the
fake Slack) with one `/incident` listener that only does `await ack("ok")`, at POST /slack/events
through slack_bolt.adapter.aiohttp, served like `firebell run` serves Firebell (aiohttp AppRunner and
TCPSite, no access log), with GET /healthz. Whatever Firebell takes beyond this is Firebell's own.
"""

from __future__ import annotations

import argparse
import asyncio
import os

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from benchmarks.fake_slack_server import serve
from bot.slack.standin import BOT_TOKEN


def bare_bolt_app(signing_secret: str, api_url: str | None) -> web.Application:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=api_url or AsyncWebClient.BASE_URL)
    bolt = AsyncApp(client=client, signing_secret=signing_secret, request_verification_enabled=True,
                    name="baseline")

    @bolt.command("/incident")
    async def incident(ack: AsyncAck) -> None:
        await ack("ok")

    async def slack_events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/healthz", healthz)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.baselines",
                                     description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    app = bare_bolt_app(os.environ["SLACK_SIGNING_SECRET"], os.environ.get("SLACK_API_URL"))
    asyncio.run(serve(app, args.host, args.port))


if __name__ == "__main__":
    main()
