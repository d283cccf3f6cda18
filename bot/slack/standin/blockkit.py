"""Block Kit as Slack checks it: every payload the stand-in receives is parsed and validated with
slack_sdk.models, and must come back unchanged from a round trip (nothing Slack would silently drop)."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View


class BlockKitError(Exception):
    pass


def validate_blocks(blocks: Any) -> None:
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if not isinstance(blocks, list) or len(blocks) > 50:
        raise BlockKitError("blocks must be a list of at most 50")
    for raw in blocks:
        block = Block.parse(raw)
        if block is None:
            raise BlockKitError(f"unknown block {raw!r}")
        block.validate_json()
        # A round trip must give back what was sent: nothing Slack would silently drop.
        if block.to_dict() != raw:
            raise BlockKitError(f"block changes on round trip: {raw!r}")


def validate_view(view: Any) -> None:
    if isinstance(view, str):
        view = json.loads(view)
    parsed = View(**view)
    parsed.validate_json()
    validate_blocks(view.get("blocks", []))
