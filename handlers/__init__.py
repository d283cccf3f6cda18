"""Slack listeners and HTTP routes. Thin: parse, ack, call a service, render."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp

from handlers import actions, checklists, commands, events, maintenance, middleware, oncall, pins, shortcuts, views
from handlers import home as home_tab
from handlers import messages as direct_messages

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
    home_tab.register(app)  # the App Home's buttons
    direct_messages.register(app)
    shortcuts.register(app)
    pins.register(app)
