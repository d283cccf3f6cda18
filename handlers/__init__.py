"""Slack listeners and HTTP routes. Thin: parse, ack, call a service, render."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp

from handlers import actions, checklists, commands, events, maintenance, middleware, oncall, views

if TYPE_CHECKING:
    from bot.services import Services


def register_all(app: AsyncApp, services: Services) -> None:
    middleware.register(app, services)
    commands.register(app)
    oncall.register(app)
    checklists.register(app)
    maintenance.register(app)
    actions.register(app)
    views.register(app)
    events.register(app)
