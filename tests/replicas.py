"""Real `firebell run` processes for the replica and shutdown tests: started, signalled, their JSON logs read."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from bot.slack.standin import BOT_TOKEN, FakeSlack
from tests.conftest import SIGNING_SECRET, signed_headers, slash_command_body
from tests.test_process import free_port


class Replica:
    def __init__(self, name: str, tmp_path: Path, slack: FakeSlack, database_url: str, policy: Path,
                 **env: str) -> None:
        self.name = name
        self.port = free_port()
        self.dir = tmp_path / name
        self.dir.mkdir(exist_ok=True)
        self.log_path = self.dir / "firebell.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FIREBELL_", "DATABASE_"))},
            "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack.url,
            "PORT": str(self.port), "HOST": "127.0.0.1", "DATABASE_URL": database_url,
            "FIREBELL_POLICY": str(policy), "FIREBELL_PID_FILE": str(self.dir / "firebell.pid"),
            "FIREBELL_FEED_CHANNEL": "CFEED", "LOG_FORMAT": "json", "LOG_LEVEL": "INFO",
            "FIREBELL_SLACK_PACE": "0", **env,
        }
        self.process: asyncio.subprocess.Process | None = None
        self.slack = slack

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, http: aiohttp.ClientSession, *, wait: bool = True) -> None:
        log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=self.dir, env=self.env,
            stdout=asyncio.subprocess.DEVNULL, stderr=log)
        log.close()
        if wait:
            await self.healthy(http)

    async def healthy(self, http: aiohttp.ClientSession, timeout: float = 40) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                async with http.get(f"{self.base}/healthz") as response:
                    if response.status == 200:
                        return dict(await response.json())
            except aiohttp.ClientConnectionError:
                pass
            assert self.process is not None and self.process.returncode is None, self.log_text()
            assert time.monotonic() < deadline, f"{self.name} did not come up"
            await asyncio.sleep(0.1)

    async def health(self, http: aiohttp.ClientSession) -> dict[str, Any]:
        async with http.get(f"{self.base}/healthz") as response:
            return dict(await response.json())

    async def command(self, http: aiohttp.ClientSession, text: str, trigger: str, user: str = "UALICE", *,
                      command: str = "/incident", retry: int = 0) -> int:
        body = slash_command_body(text, response_url=self.slack.response_url(trigger), trigger_id=trigger, user=user,
                                  command=command)
        headers = signed_headers(body, "application/x-www-form-urlencoded")
        if retry:
            headers.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
        async with http.post(f"{self.base}/slack/events", data=body.encode(), headers=headers) as response:
            await response.read()
            return response.status

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    async def stop(self, timeout: float = 30) -> int:
        if self.process is None:
            return 0
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                self.process.send_signal(signal.SIGKILL)
                await self.process.wait()
        return int(self.process.returncode or 0)

    def log_text(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        found = []
        for line in self.log_text().splitlines():
            if line.startswith("{"):
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if name is None or event.get("event") == name:
                    found.append(event)
        return found


async def eventually(condition: Any, timeout: float = 20, message: str = "condition not met in time") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        await asyncio.sleep(0.1)
