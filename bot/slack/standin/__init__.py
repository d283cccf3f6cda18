"""A local stand-in for Slack's Web API: the test suite, the benchmarks and `firebell demo` share it."""

from bot.slack.standin.api import BOT_TOKEN, BOT_USER, BlockKitError, FakeSlack, validate_blocks
from bot.slack.standin.workspace import StandinWorkspace

__all__ = ["BOT_TOKEN", "BOT_USER", "BlockKitError", "FakeSlack", "StandinWorkspace", "validate_blocks"]
