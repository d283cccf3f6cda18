"""`firebell demo` in a real browser: headless Chromium (Debian's `chromium` package) driven by Playwright.

Starts the demo as a process on a free port, declares an incident from the composer, watches its channel
appear, fast-forwards to the escalation page in the on-call engineer's DMs, acknowledges, checks a checklist
item and opens the App Home. Screenshots go to the test's temporary folder. Skipped without Chromium.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = next((path for path in (os.environ.get("FIREBELL_CHROMIUM"), shutil.which("chromium"),
                                   shutil.which("chromium-browser")) if path), None)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install -y chromium)")
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "bot", "demo", "--port", str(port)], stdout=subprocess.PIPE,
                               stderr=open(tmp_path / "demo.log", "w"), text=True, env=env)  # noqa: SIM115
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # "Firebell demo: open http://127.0.0.1:PORT/ …" once it listens
        assert f"http://127.0.0.1:{port}/" in line, (line, (tmp_path / "demo.log").read_text())
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_declare_escalate_acknowledge_check_and_home(demo: str, tmp_path: Path) -> None:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(demo)
            page.wait_for_selector("body[data-live=yes]")  # the server-sent events are connected

            # The commander declares a P0 from the composer in #general.
            page.select_option("#who", "USORA")
            page.fill("#composer-text", "/incident declare P0 Checkout is down")
            page.press("#composer-text", "Enter")
            page.wait_for_selector("#nav-inc-1-checkout-is-down")
            page.click("#nav-incidents")
            page.wait_for_selector("text=Incident #1: Checkout is down")
            page.screenshot(path=str(tmp_path / "1-declared.png"))
            page.click("#nav-inc-1-checkout-is-down")
            page.wait_for_selector(".bk-checkboxes")

            # Nobody acknowledges within 2 minutes: fast-forward, and the on-call engineer is paged.
            started = time.monotonic()
            page.click("button[data-step='5m']")
            page.wait_for_selector("#scheduler-log li:has-text('escalate incident 1: paged')")
            page.select_option("#who", "UMINJI")
            page.click("#nav-dm")
            page.wait_for_selector(".pane >> text=Page: incident #1")
            page.wait_for_selector(".pane >> text=Not acknowledged within 2 min")
            page.screenshot(path=str(tmp_path / "2-paged.png"))

            # She acknowledges in the incident channel; the message updates in place.
            page.click("#nav-inc-1-checkout-is-down")
            page.click(".message:has(.bk-header:has-text('Incident #1')) button:has-text('Acknowledge')")
            page.wait_for_selector(".pane .bk-field:has-text('acknowledged')")

            # She checks the first checklist item; the count goes to 1 of 5.
            page.check(".bk-checkboxes input[value='0']")
            page.wait_for_selector(".pane >> text=1/4")
            assert page.is_checked(".bk-checkboxes input[value='0']")
            page.screenshot(path=str(tmp_path / "3-acknowledged.png"), full_page=True)

            # The App Home tab lists the open incident.
            page.click("#nav-home")
            page.wait_for_selector(".view-home >> text=Checkout is down")
            page.screenshot(path=str(tmp_path / "4-home.png"))
            assert not errors, errors
            assert time.monotonic() - started < 60
        finally:
            browser.close()
    assert (tmp_path / "4-home.png").stat().st_size > 10_000
