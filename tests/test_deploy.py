"""The deployment files: the compose file and the Dockerfile hang together; where a container engine
answers, the image builds, runs as a non-root user, reports healthy and drains on SIGTERM."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import yaml

from bot.slack.standin import BOT_TOKEN, FakeSlack
from tests.conftest import SIGNING_SECRET
from tests.test_process import free_port

ROOT = Path(__file__).resolve().parents[1]
DOCKER = shutil.which("docker") or "/usr/local/bin/docker"


def test_compose_runs_two_replicas_on_postgres_behind_a_proxy() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "firebell-1", "firebell-2", "proxy", "backup"} <= set(services)
    for name in ("firebell-1", "firebell-2"):
        replica = services[name]
        assert replica["environment"]["DATABASE_URL"].startswith("postgresql://")
        assert replica["depends_on"]["postgres"]["condition"] == "service_healthy"
        # Docker must wait longer than Firebell's own grace period before it kills.
        grace = float(replica["environment"]["FIREBELL_SHUTDOWN_GRACE_SECONDS"])
        assert float(replica["stop_grace_period"].rstrip("s")) > grace
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "firebell-1:3000" in nginx and "firebell-2:3000" in nginx and "http_503" in nginx
    assert "-mtime +30" in (ROOT / "deploy" / "backup.sh").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "USER 10001" in dockerfile and "HEALTHCHECK" in dockerfile


def _docker_answers() -> str | None:
    if not Path(DOCKER).exists():
        return "no docker client installed"
    try:
        probe = subprocess.run([DOCKER, "version", "--format", "{{.Server.Version}}"], capture_output=True,
                               text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"docker does not answer: {error}"
    if probe.returncode != 0:
        return f"no container daemon answers: {probe.stderr.strip()[:200]}"
    return None


async def docker(*args: str, timeout: float = 60) -> tuple[int, str]:
    """Run the docker client without blocking the loop (the Slack stand-in answers from it meanwhile)."""
    process = await asyncio.create_subprocess_exec(DOCKER, *args, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(), timeout)
    return int(process.returncode or 0), output.decode(errors="replace").strip()


async def test_image_builds_runs_as_non_root_and_is_healthy(slack: FakeSlack) -> None:
    reason = _docker_answers()
    if reason:
        pytest.skip(reason)
    tag = f"firebell-test:{uuid.uuid4().hex[:8]}"
    name = f"firebell-test-{uuid.uuid4().hex[:8]}"
    port = free_port()
    code, output = await docker("build", "-t", tag, str(ROOT), timeout=900)
    assert code == 0, output[-3000:]
    try:
        code, output = await docker(
            "run", "-d", "--name", name, "--network", "host", "-e", f"SLACK_BOT_TOKEN={BOT_TOKEN}",
            "-e", f"SLACK_SIGNING_SECRET={SIGNING_SECRET}", "-e", f"SLACK_API_URL={slack.url}", "-e", f"PORT={port}",
            tag)
        assert code == 0, output
        _, user = await docker("inspect", "--format", "{{.Config.User}}", name)
        assert user not in ("", "root", "0")
        deadline = time.monotonic() + 90
        status = ""
        while status != "healthy":
            assert time.monotonic() < deadline, f"container never became healthy ({status})"
            await asyncio.sleep(2)
            _, status = await docker("inspect", "--format", "{{.State.Health.Status}}", name)
        code, output = await docker("stop", "-t", "30", name)
        assert code == 0, output
        _, exit_code = await docker("inspect", "--format", "{{.State.ExitCode}}", name)
        assert exit_code == "0"
        _, logs = await docker("logs", name)
        assert "firebell_drained" in logs
    finally:
        await docker("rm", "-f", name)
        await docker("rmi", "-f", tag, timeout=120)
