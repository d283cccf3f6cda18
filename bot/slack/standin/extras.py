"""The stand-in's channel archiving, permalinks and people's own messages (for the timeline's
"Add to incident timeline" and :pushpin:). Kept beside api.py (FakeSlack mixes it in)."""

from __future__ import annotations

from typing import Any


class ChannelExtras:
    channels: dict[str, dict[str, Any]]
    messages: dict[tuple[str, str], Any]

    def _next_ts(self) -> str: ...

    def _channel(self, args: dict[str, Any]) -> dict[str, Any] | None: ...

    def say(self, channel: str, user: str, text: str) -> str:
        """A person's message in a channel (what Firebell may be asked to add to a timeline); its ts."""
        from bot.slack.standin.api import Message

        ts = self._next_ts()
        self.messages[(channel, ts)] = Message(channel, ts, text, None, user=user)
        return ts

    def _conversations_archive(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        if channel is None:
            return {"error": "channel_not_found"}
        if channel.get("archived"):
            return {"error": "already_archived"}
        channel["archived"] = True
        return {}

    def _conversations_unarchive(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        if channel is None:
            return {"error": "channel_not_found"}
        if not channel.get("archived"):
            return {"error": "not_archived"}
        channel["archived"] = False
        return {}

    def _chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel", "")), str(args.get("message_ts", ""))
        if (channel, ts) not in self.messages:
            return {"error": "message_not_found"}
        return {"permalink": f"https://test.slack.com/archives/{channel}/p{ts.replace('.', '')}"}
