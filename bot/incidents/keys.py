"""Outbox keys of an incident's Slack effects, named in one place: other domains wait on them."""

from __future__ import annotations


def setup_key(number: int) -> str:
    """The channel's set-up: create, invite, topic, live summary."""
    return f"setup:incident {number}"


def feed_key(number: int) -> str:
    return f"feed:incident {number}"


def live_key(number: int) -> str:
    """The live summary in the channel and the feed, re-rendered from the database at delivery."""
    return f"live:incident {number}"


def topic_key(number: int) -> str:
    return f"topic:incident {number}"
