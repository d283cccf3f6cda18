"""A resolved incident's channel is archived after `channels.archive_after` (default 7 days), with a notice
the day before; reopening unarchives it, and reopening before then cancels the archive."""

from __future__ import annotations

from typing import Any

from tests.conftest import TEST_POLICY, Harness


def archived(app: Harness, channel: str) -> bool:
    return bool(app.slack.channels[channel].get("archived"))


async def test_resolved_channel_is_archived_after_a_week_and_unarchived_on_reopen(make_harness: Any) -> None:
    app = await make_harness()
    await app.command("declare P2 Search slow")
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    await app.command("resolve #1 index rebuilt")
    await app.tick(days=5, hours=23, minutes=59)
    assert not [m for m in app.slack.posts_in(channel["id"]) if "will be archived" in (m.text or "")]
    await app.tick(minutes=1)
    assert [m for m in app.slack.posts_in(channel["id"]) if "will be archived" in (m.text or "")]
    assert not archived(app, channel["id"])
    await app.tick(days=1)
    assert archived(app, channel["id"])
    assert "archived" in await app.answer(await app.command("timeline 1"))
    await app.command("reopen 1")
    assert not archived(app, channel["id"])
    assert any("reopen" in (m.text or "").lower() for m in app.slack.posts_in(channel["id"])[-3:])


async def test_reopening_before_the_archive_cancels_it_and_null_keeps_channels(make_harness: Any) -> None:
    app = await make_harness()
    await app.command("declare P2 Search slow")
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    await app.command("resolve #1 done")
    await app.tick(days=3)
    await app.command("reopen 1")
    await app.tick(days=10)
    assert not archived(app, channel["id"]) and not app.slack.calls_to("conversations.archive")
    keep = await make_harness(policy=TEST_POLICY + "channels: {archive_after: null}\n")
    await keep.command("declare P2 Other")
    await keep.command("resolve #2 done")
    await keep.tick(days=30)
    assert not keep.slack.calls_to("conversations.archive")
