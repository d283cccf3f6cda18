"""`firebell run` as a real process: starts, serves Slack and /healthz, reloads its policy, stops cleanly."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path

import aiohttp

from bot.slack.standin import BOT_TOKEN, FakeSlack
from tests.conftest import SIGNING_SECRET, TEST_POLICY, signed_headers, slash_command_body


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_firebell_run_end_to_end(slack: FakeSlack, tmp_path: Path) -> None:
    port = free_port()
    policy = tmp_path / "policy.yml"
    policy.write_text(TEST_POLICY)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FIREBELL_", "DATABASE_"))},
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/run.db",
        "FIREBELL_POLICY": str(policy),
        "FIREBELL_PID_FILE": str(tmp_path / "firebell.pid"),
        "FIREBELL_FEED_CHANNEL": "CFEED",
        "LOG_FORMAT": "json",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            deadline = time.monotonic() + 30
            while True:
                try:
                    async with http.get(f"{base}/healthz") as response:
                        if response.status == 200:
                            assert (await response.json()).items() >= {"status": "ok", "db": "ok"}.items()
                            break
                except aiohttp.ClientConnectionError:
                    pass
                assert time.monotonic() < deadline, "firebell run did not come up"
                await asyncio.sleep(0.2)
            body = slash_command_body("declare P1 From a real process", response_url=slack.response_url("run"),
                                      trigger_id="trigger-process-1")
            headers = signed_headers(body, "application/x-www-form-urlencoded")
            async with http.post(f"{base}/slack/events", data=body.encode(), headers=headers) as response:
                assert response.status == 200
            deadline = time.monotonic() + 15
            while not slack.channel_by_name_prefix("inc-1-"):
                assert time.monotonic() < deadline, "no incident channel"
                await asyncio.sleep(0.1)
            assert (tmp_path / "firebell.pid").read_text().strip() == str(process.pid)

            # A bad policy is refused and the old one stays; a good one is taken.
            policy.write_text(TEST_POLICY.replace("ack_within: 2m", "ack_within: soon"))
            reload = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "policy", "reload", cwd=tmp_path, env=env,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            assert await reload.wait() == 0
            await asyncio.sleep(0.5)
            policy.write_text(TEST_POLICY.replace("ack_within: 2m", "ack_within: 3m"))
            process.send_signal(signal.SIGHUP)
            await asyncio.sleep(0.5)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0
    log = stderr.decode()
    events = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    names = [event["event"] for event in events]
    assert "firebell_started" in names and "firebell_stopping" in names
    rejected = next(e for e in events if e["event"] == "policy_reload_rejected")
    assert any("ack_within" in problem for problem in rejected["problems"])
    assert "policy_reloaded" in names
    assert BOT_TOKEN not in log and SIGNING_SECRET not in log
    assert not (tmp_path / "firebell.pid").exists()
