"""The demo's web page: routes beside the bot's own /slack/events on one aiohttp server.

The page (a Jinja2 template, plain JavaScript and CSS from package data) reads rendered panes from here
and sends what the person does here; this server turns it into Slack's signed requests to /slack/events.
Changes in the stand-in reach the page as server-sent events.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from importlib import resources
from typing import Any

import jinja2
from aiohttp import web

from bot.demo.blockkit import Renderer
from bot.demo.pages import channel_html, directory_of, element_state, find_element, home_html, modal_html, view_values
from bot.demo.seed import PEOPLE
from bot.demo.world import World, attach_person, build_world, describe
from bot.logging import get_logger
from bot.slack.standin.api import BOT_USER

log = get_logger(__name__)

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("bot.demo", "templates"), autoescape=jinja2.select_autoescape(["html"]))
_STATIC = resources.files("bot.demo").joinpath("static")
_STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


def _viewer(world: World, request: web.Request, body: dict[str, Any] | None = None) -> str:
    user = str((body or {}).get("as") or request.query.get("as") or PEOPLE[0][0])
    if user not in world.slack.people or user == BOT_USER:
        raise web.HTTPBadRequest(text=json.dumps({"error": "unknown person"}), content_type="application/json")
    return user


def _renderer(world: World) -> Renderer:
    directory = directory_of(world.slack, world.zone, world.clock.now)
    people = {user: name for user, name, _ in PEOPLE}
    return Renderer(directory, people)


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text='{"error": "JSON body expected"}', content_type="application/json") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text='{"error": "JSON object expected"}', content_type="application/json")
    return body


def add_routes(app: web.Application, world: World) -> None:
    streams: set[asyncio.Queue[str]] = set()

    def changed(what: str, _detail: dict[str, Any] | None = None) -> None:
        for queue in list(streams):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(what)

    world.slack.listeners.append(changed)
    world.on_change.append(changed)

    async def index(_request: web.Request) -> web.Response:
        page = _TEMPLATES.get_template("index.html").render(
            people=PEOPLE, locale=world.firebell.settings.firebell_locale)
        return web.Response(text=page, content_type="text/html")

    async def static(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        file = _STATIC.joinpath(name)
        suffix = "." + name.rsplit(".", 1)[-1]
        if "/" in name or suffix not in _STATIC_TYPES or not file.is_file():
            raise web.HTTPNotFound()
        return web.Response(body=file.read_bytes(), content_type=_STATIC_TYPES[suffix])

    async def state(request: web.Request) -> web.Response:
        viewer = _viewer(world, request)
        channels = [{"id": c["id"], "name": c["name"], "member": viewer in c["members"] or c["id"] in ("CFEED", "COPS")}
                    for c in world.slack.channels.values()]
        return web.json_response({
            "me": viewer, "people": [{"id": u, "name": n, "title": t} for u, n, t in PEOPLE],
            "channels": channels, "dm": {"id": viewer, "name": "firebell"},
            "unread_dm": len(world.slack.dms_to(viewer)),  # the page counts the ones not seen yet
            "modal": viewer in world.slack.modals,
            "clock": describe(world),
        })

    async def pane(request: web.Request) -> web.Response:
        viewer = _viewer(world, request)
        channel = request.query.get("channel", "")
        if channel == "home":
            html = home_html(world.slack, viewer, _renderer(world))
        elif channel == viewer or channel in world.slack.channels:
            html = channel_html(world.slack, channel, viewer, _renderer(world))
        else:
            raise web.HTTPNotFound(text="no such channel")
        return web.Response(text=str(html), content_type="text/html")

    async def modal(request: web.Request) -> web.Response:
        viewer = _viewer(world, request)
        return web.Response(text=str(modal_html(world.slack, viewer, _renderer(world))), content_type="text/html")

    async def command(request: web.Request) -> web.Response:
        body = await _body(request)
        viewer, channel, text = _viewer(world, request, body), str(body.get("channel", "")), str(body.get("text", ""))
        assert world.person is not None
        if text.startswith("/"):
            await world.person.command(viewer, channel, text)
        elif text.strip():
            await world.person.message(viewer, channel, text)
        await world.settle()
        return web.json_response({"ok": True})

    async def action(request: web.Request) -> web.Response:
        body = await _body(request)
        viewer = _viewer(world, request, body)
        assert world.person is not None
        surface, channel, ts = str(body.get("surface", "message")), str(body.get("channel", "")), body.get("ts")
        if surface == "message":
            message = world.slack.messages.get((channel, str(ts)))
            blocks = message.blocks if message else None
            container: dict[str, Any] = {"channel": channel, "ts": ts}
        else:
            view = world.slack.modals.get(viewer) if surface == "modal" else world.slack.home_views.get(viewer)
            if view is None:
                raise web.HTTPNotFound(text="that view is closed")
            blocks, container = view.get("blocks"), {"channel": viewer, "view": view}
        element = find_element(blocks, body.get("block_id"), body.get("action_id"))
        if element is None:
            raise web.HTTPNotFound(text="that element is gone (the message changed)")
        state = element_state(element, body.get("selected"))
        await world.person.act(viewer, container, {"block_id": body.get("block_id"),
                                                   "action_id": element.get("action_id"), **state})
        await world.settle()
        return web.json_response({"ok": True})

    async def submit(request: web.Request) -> web.Response:
        body = await _body(request)
        viewer = _viewer(world, request, body)
        view = world.slack.modals.get(viewer)
        if view is None:
            raise web.HTTPNotFound(text="no modal is open")
        assert world.person is not None
        answer = await world.person.submit(viewer, view, view_values(view, body.get("values") or {}))
        if answer.get("response_action") == "errors":
            return web.json_response({"ok": False, "errors": answer.get("errors") or {}})
        # Opened again meanwhile (a new form): keep that one.
        if world.slack.modals.get(viewer) is view:
            world.slack.modals.pop(viewer, None)
        await world.settle()
        changed("modal")
        return web.json_response({"ok": True})

    async def close_modal(request: web.Request) -> web.Response:
        viewer = _viewer(world, request, await _body(request))
        world.slack.modals.pop(viewer, None)
        changed("modal")
        return web.json_response({"ok": True})

    async def open_home(request: web.Request) -> web.Response:
        viewer = _viewer(world, request, await _body(request))
        assert world.person is not None
        await world.person.open_home(viewer)
        await world.settle()
        return web.json_response({"ok": True})

    async def clock(request: web.Request) -> web.Response:
        body = await _body(request)
        try:
            await world.advance(str(body.get("step", "")))
        except ValueError as error:
            return web.json_response({"ok": False, "error": str(error)}, status=400)
        return web.json_response({"ok": True, "clock": describe(world)})

    async def replay(_request: web.Request) -> web.Response:
        started = world.replay()
        return web.json_response({"ok": started, "error": None if started else "a replay is running"})

    async def events(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=100)
        streams.add(queue)
        try:
            await response.write(b"event: hello\ndata: {}\n\n")
            while True:
                try:
                    what = await asyncio.wait_for(queue.get(), timeout=15)
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
                    continue
                await response.write(f"event: change\ndata: {json.dumps({'what': what})}\n\n".encode())
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            streams.discard(queue)
        return response

    async def no_icon(_request: web.Request) -> web.Response:
        return web.Response(status=204)

    app.router.add_get("/", index)
    app.router.add_get("/favicon.ico", no_icon)
    app.router.add_get("/static/{name}", static)
    app.router.add_get("/demo/state", state)
    app.router.add_get("/demo/pane", pane)
    app.router.add_get("/demo/modal", modal)
    app.router.add_get("/demo/events", events)
    app.router.add_post("/demo/command", command)
    app.router.add_post("/demo/action", action)
    app.router.add_post("/demo/submit", submit)
    app.router.add_post("/demo/modal/close", close_modal)
    app.router.add_post("/demo/home", open_home)
    app.router.add_post("/demo/clock", clock)
    app.router.add_post("/demo/replay", replay)


async def serve_demo(*, port: int, locale: str, policy_file: str | None, db_file: str | None,
                     ready: asyncio.Event | None = None, stop: asyncio.Event | None = None) -> None:
    world = await build_world(locale=locale, policy_file=policy_file, db_file=db_file)
    add_routes(world.firebell.web, world)
    runner = web.AppRunner(world.firebell.web, access_log=None, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    try:
        await site.start()
        attach_person(world, f"http://127.0.0.1:{port}/slack/events")
        log.info("demo_listening", url=f"http://127.0.0.1:{port}/", slack_events=f"http://127.0.0.1:{port}/slack/events")
        print(f"Firebell demo: open http://127.0.0.1:{port}/ (Ctrl-C stops it)", flush=True)
        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop.set)
        if ready is not None:
            ready.set()
        await stop.wait()
    finally:
        await runner.cleanup()
        await world.close()
