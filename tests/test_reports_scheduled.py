"""Scheduled reports (durable timers from the policy's cron, posted with a chart through the outbox), the
chart itself (PNG size, no missing glyph in Korean), and `firebell report` / `firebell export postmortem`
on the command line."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import struct
import sys
import warnings
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.i18n import Catalog
from bot.reports.chart import SIZE_INCHES, chart_labels, missing_glyphs, render_chart
from storage.models import ScheduledJob
from storage.postmortems_models import ReportSnapshot
from tests.conftest import TEST_POLICY, AppFactory, MutableClock

POLICY = TEST_POLICY + """
reports:
  channel: COPS
  schedules:
    daily: {cron: "0 18 * * *", period: day}
"""
ROOT = str(Path(__file__).resolve().parents[1])
SERIES = {"start": "2026-10-01T00:00:00+00:00", "weekly": [[0, "P1", 2], [1, "P0", 1], [1, "P2", 3]],
          "trend": {"mtta": {"0": [2, 300, 400], "1": [4, 600, 900]}, "mttr": {"0": [2, 3600, 4000]}}}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_chart_renders_korean_without_missing_glyphs() -> None:
    for locale in ("ko", "en"):
        catalog = Catalog(locale)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            png = render_chart(catalog, SERIES)
        assert not [w for w in caught if "missing from" in str(w.message)], locale
        assert png_size(png) == (SIZE_INCHES[0] * 100, int(SIZE_INCHES[1] * 100))
        assert 10_000 < len(png) < 500_000
        texts = [*chart_labels(catalog).values(), "MTTA", "MTTR", "P0", "10-01"]
        assert missing_glyphs(texts) == set()
    assert missing_glyphs(["주별 등급별 장애 수"]) == set()
    assert missing_glyphs(["\U0001F6A8"]) == {"\U0001F6A8"}  # the check can fail


async def test_daily_report_posted_with_chart(make_harness: AppFactory) -> None:
    app = await make_harness(policy=POLICY, clock=MutableClock(datetime(2026, 11, 20, 7, 0, tzinfo=UTC)))
    await app.command("declare P1 Checkout is down")
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    await app.command("ack", channel=channel["id"])
    await app.command("resolve", channel=channel["id"])
    await app.tick(hours=2, minutes=1)  # 18:01 in Seoul
    await app.eventually(lambda: bool(app.slack.shared_files("COPS")))
    files = app.slack.shared_files("COPS")
    assert len(files) == 1 and files[0].filename.endswith(".png") and files[0].content
    assert png_size(files[0].content)[0] == SIZE_INCHES[0] * 100
    assert "Daily incident report" in (files[0].initial_comment or "")
    assert "*Incidents:* 1" in (files[0].initial_comment or "")
    async with app.firebell.services.sessions() as session:
        snapshot = (await session.execute(select(ReportSnapshot))).scalar_one()
        next_due = (await session.execute(select(ScheduledJob.due_at).where(
            ScheduledJob.kind == "report_scheduled", ScheduledJob.state == "pending"))).scalar_one()
    assert snapshot.headline["total"] == 1
    assert next_due == datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    await app.tick(minutes=1)
    assert len(app.slack.shared_files("COPS")) == 1  # once per occurrence


async def run_cli(database_url: str, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "FIREBELL_LOCALE": "en"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=env, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode(), err.decode()


async def test_command_line_report_and_export(make_harness: AppFactory, database_url: str) -> None:
    app = await make_harness()
    await app.command("declare P1 Checkout is down")
    channel = app.slack.channel_by_name_prefix("inc-1-")
    assert channel is not None
    await app.command("resolve", channel=channel["id"])
    code, out, err = await run_cli(database_url, "report", "--since", "30d", "--format", "csv")
    assert code == 0, err
    rows = {(r["section"], r["subject"], r["measure"]): r["value"] for r in csv.DictReader(io.StringIO(out))}
    assert rows[("incidents", "P1", "count")] == "1"
    code, out, err = await run_cli(database_url, "report", "--since", "7d", "--format", "json")
    assert code == 0 and json.loads(out)["total"] == 1
    code, out, err = await run_cli(database_url, "report", "--since", "7d")
    assert code == 0 and out.splitlines()[0].split() == ["section", "subject", "measure", "value"]
    code, out, err = await run_cli(database_url, "report", "--since", "soon")
    assert code == 2 and "is not a period" in err
    code, out, err = await run_cli(database_url, "export", "postmortem", "1")
    assert code == 0 and out.startswith("# Post-mortem: incident #1: Checkout is down")
    code, out, err = await run_cli(database_url, "export", "postmortem", "7")
    assert code == 1 and "#7" in err
