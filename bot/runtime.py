"""What this process is doing right now, for `/healthz` and for the shutdown: whether it still takes work,
its Socket Mode connection, and the policy it has in force."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from typing import Any

# This process, as named in audit entries, policy loads and /healthz.
REPLICA = f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Runtime:
    accepting: bool = True
    # None in HTTP mode; "connecting", "connected" or "disconnected" in Socket Mode.
    socket_mode: str | None = None
    policy_hash: str | None = None
    replica: str = field(default_factory=lambda: REPLICA)

    def health(self) -> dict[str, Any]:
        info: dict[str, Any] = {"policy": self.policy_hash, "replica": self.replica}
        if self.socket_mode is not None:
            info["socket_mode"] = self.socket_mode
        if not self.accepting:
            info["shutting_down"] = True
        return info
