"""The processes a benchmark runs against: `firebell run`, the fake Slack, the bare Bolt baseline.

Each is started with asyncio's subprocess API, its output going to a log file, and is ready when its
health URL answers 200. Firebell is configured only through environment variables, as in production
(tests/test_process.py starts it the same way), from a scratch working directory so no `.env` is read.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bot.slack.standin import BOT_TOKEN
from tests.conftest import SIGNING_SECRET, TEST_POLICY

REPO = Path(__file__).resolve().parents[1]
FEED_CHANNEL = "CFEED"
# Environment variables a benchmark process must not inherit from the shell that started it.
_OWN_PREFIXES = ("SLACK_", "FIREBELL_", "DATABASE_", "LOG_", "PORT", "HOST")


class StartFailed(RuntimeError):
    """A process exited, or did not answer its health URL, before it was ready."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mib(pid: int) -> float:
    """Resident memory of a process in MiB (VmRSS from /proc, Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (from /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Service:
    name: str
    process: asyncio.subprocess.Process
    base_url: str
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def events_url(self) -> str:
        return f"{self.base_url}/slack/events"

    def rss_mib(self) -> float:
        return rss_mib(self.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    async def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds; its exit status."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.process.kill()
                await self.process.wait()
        return self.process.returncode


async def wait_ready(service: Service, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while True:
            if service.process.returncode is not None:
                raise StartFailed(f"{service.name} exited with status {service.process.returncode}:\n"
                                  f"{service.log_tail()}")
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with http.get(service.base_url + path) as response:
                    if response.status == 200:
                        return
            if time.monotonic() > deadline:
                await service.stop()
                raise StartFailed(f"{service.name} did not answer {path} within {timeout:g} s:\n{service.log_tail()}")
            await asyncio.sleep(0.1)


def _environment(extra: dict[str, str]) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(_OWN_PREFIXES)}
    python_path = os.pathsep.join(p for p in (str(REPO), inherited.get("PYTHONPATH")) if p)
    return {**inherited, "PYTHONPATH": python_path, **extra}


async def _start(name: str, args: list[str], *, env: dict[str, str], cwd: Path, log_dir: Path,
                 port: int, ready_path: str, timeout: float) -> Service:
    log_path = log_dir / f"{name}-{port}.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, *args, cwd=cwd, env=_environment(env), stdout=log, stderr=asyncio.subprocess.STDOUT,
            stdin=asyncio.subprocess.DEVNULL)
    service = Service(name, process, f"http://127.0.0.1:{port}", log_path)
    await wait_ready(service, ready_path, timeout)
    return service


async def start_fake_slack(log_dir: Path, *, validate_blocks: bool = False) -> Service:
    port = free_port()
    args = ["-m", "benchmarks.fake_slack_server", "--port", str(port)]
    if validate_blocks:
        args.append("--validate-blocks")
    return await _start("fake-slack", args, env={}, cwd=REPO, log_dir=log_dir, port=port,
                        ready_path="/bench/ping", timeout=30)


async def start_bare_bolt(log_dir: Path, slack: Service) -> Service:
    port = free_port()
    env = {"SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": f"{slack.base_url}/api/"}
    return await _start("bare-bolt", ["-m", "benchmarks.baselines", "--port", str(port)], env=env, cwd=REPO,
                        log_dir=log_dir, port=port, ready_path="/healthz", timeout=30)


def _write_policy(workdir: Path) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    policy = workdir / "policy.yml"
    policy.write_text(TEST_POLICY)
    return policy


async def start_firebell(log_dir: Path, workdir: Path, slack: Service, database_url: str) -> Service:
    """`python -m bot run` against the fake Slack, ready when /healthz says the database answers."""
    policy = _write_policy(workdir)
    port = free_port()
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": f"{slack.base_url}/api/",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "DATABASE_URL": database_url,
        "FIREBELL_POLICY": str(policy),
        "FIREBELL_FEED_CHANNEL": FEED_CHANNEL,
        # Firebell's own capacity: the fake Slack has no rate limits, so Firebell's pacing to Slack's
        # published limits (bot/slack/pace.py) is off; with it on, Slack's limits are what is measured.
        "FIREBELL_SLACK_PACE": os.environ.get("BENCH_SLACK_PACE", "0"),
        "FIREBELL_PID_FILE": str(workdir / "firebell.pid"),
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "json",
    }
    return await _start("firebell", ["-m", "bot", "run"], env=env, cwd=workdir, log_dir=log_dir, port=port,
                        ready_path="/healthz", timeout=90)
