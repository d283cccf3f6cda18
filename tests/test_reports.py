"""Report numbers against hand-computed values on a fixed data set (SQLite and PostgreSQL), the text in
both languages, CSV and JSON, and `/incident report` with its bad input."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.i18n import Catalog
from bot.reports.numbers import Report, to_csv, to_json, to_table
from bot.reports.render import report_text
from storage.models import Incident, Page
from storage.repositories import reports as repo
from storage.repositories.reports import Window
from tests.conftest import AppFactory, Harness, MutableClock

DAY = datetime(2026, 11, 1, tzinfo=UTC)
WINDOW = Window(DAY, DAY + timedelta(days=7))
NOW = datetime(2026, 11, 10, tzinfo=UTC)


def incident(number: int, severity: str, service: str | None, declared: datetime, *, tta: int | None,
             mitigated: int | None = None, resolved: int | None = None) -> Incident:
    return Incident(
        id=number, title=f"incident {number}", severity=severity, service=service, declared_by="UALICE",
        status="resolved" if resolved is not None else ("acknowledged" if tta else "declared"),
        declared_at=declared, time_to_ack_seconds=tta,
        acknowledged_at=declared + timedelta(seconds=tta) if tta else None,
        mitigated_at=declared + timedelta(seconds=mitigated) if mitigated else None,
        resolved_at=declared + timedelta(seconds=resolved) if resolved else None,
        time_to_resolve_seconds=resolved,
    )


def data() -> list[Incident]:
    """Fresh rows each time (ORM objects belong to the session that added them)."""
    return [
        incident(1, "P0", "api", DAY, tta=30, mitigated=300, resolved=500),
        incident(2, "P0", "api", DAY + timedelta(minutes=5), tta=90, resolved=1200),
        incident(3, "P1", "web", DAY + timedelta(days=1, hours=10), tta=100, mitigated=600, resolved=2000),
        incident(4, "P1", "web", DAY + timedelta(days=2, hours=10), tta=200, mitigated=900, resolved=1000),
        incident(5, "P1", "web", DAY + timedelta(days=3, hours=10), tta=60, resolved=1500),
        incident(6, "P2", "db", DAY + timedelta(days=4), tta=400, resolved=4000),
        incident(7, "P2", None, DAY + timedelta(days=5), tta=None),
        # Declared before the window: not counted, but its downtime inside the window is.
        incident(8, "P0", "api", DAY - timedelta(hours=1), tta=50, resolved=5400),
    ]


def page(number: int, target: str, at: datetime, *, via: str = "dm", status: str = "sent") -> Page:
    return Page(idempotency_key=f"{number}:{target}:{via}:{at}", incident_id=number, purpose="escalation", tier=0,
                target=target, via=via, status=status, at=at)


def pages() -> list[Page]:
    return [
        page(1, "UONCALL1", DAY + timedelta(minutes=1)),
        page(3, "UONCALL1", DAY + timedelta(days=1, hours=10, minutes=2)),
        page(8, "UONCALL1", DAY - timedelta(minutes=59)),  # before the window
        page(2, "UCTO", DAY + timedelta(minutes=7)),
        page(3, "UONCALL1", DAY + timedelta(days=1, hours=10, minutes=2), via="mention"),
        page(4, "UBOB", DAY + timedelta(days=2, hours=10, minutes=3), status="failed"),
    ]


async def loaded(make_harness: AppFactory, locale: str = "en") -> Harness:
    app = await make_harness(locale=locale, clock=MutableClock(NOW))
    async with app.firebell.services.sessions.begin() as session:
        session.add_all(data())
        await session.flush()
        session.add_all(pages())
    return app


async def build(app: Harness, window: Window = WINDOW) -> Report:
    followups = app.firebell.services.followups
    assert followups is not None
    return await followups.reports.build(window)


def close(value: float | None, expected: float) -> bool:
    return value is not None and abs(value - expected) < 0.01


async def test_numbers_match_hand_computed_values(make_harness: AppFactory) -> None:
    report = await build(await loaded(make_harness))
    assert report.total == 7
    assert report.by_severity == {"P0": 2, "P1": 3, "P2": 2}
    assert report.by_service == {"api": 2, "web": 3, "db": 1}
    expected = {  # (count, median, p90), interpolated between ranks
        "mtta": {"P0": (2, 60, 84), "P1": (3, 100, 180), "P2": (1, 400, 400), "all": (6, 95, 300)},
        "mttm": {"P0": (2, 750, 1110), "P1": (3, 900, 1380), "P2": (1, 4000, 4000)},
        "mttr": {"P0": (2, 850, 1130), "P1": (3, 1500, 1900), "P2": (1, 4000, 4000)},
    }
    for metric, per in expected.items():
        for key, (count, median, p90) in per.items():
            times = report.times[metric][key]
            assert times.count == count, (metric, key)
            assert close(times.median, median) and close(times.p90, p90), (metric, key, times)
    sla = {s: (a.ack_ok, a.ack_n, a.resolve_ok, a.resolve_n) for s, a in report.sla.items()}
    assert sla == {"P0": (1, 2, 1, 2), "P1": (2, 3, 2, 3), "P2": (0, 1, 0, 1)}
    availability = {a.service: a for a in report.availability}
    week = 7 * 86400
    assert close(availability["api"].downtime_seconds, 1800)  # 00:00–00:30, overlaps counted once
    assert close(availability["web"].downtime_seconds, 4500)
    assert availability["db"].downtime_seconds == 0 and availability["db"].percent == 100
    assert close(availability["api"].percent, 100 * (1 - 1800 / week))
    assert close(availability["api"].allowed_seconds, week * 0.001) and not availability["api"].met
    assert [row[0] for row in report.slowest] == [6, 3, 5, 2, 4]
    assert report.pages == [("UONCALL1", 2), ("UCTO", 1)]


async def test_service_filter_and_weekly_series(make_harness: AppFactory) -> None:
    app = await loaded(make_harness)
    report = await build(app, Window(WINDOW.start, WINDOW.end, "web"))
    assert report.total == 3 and list(report.by_service) == ["web"]
    assert [a.service for a in report.availability] == ["web"]
    async with app.firebell.services.sessions() as session:
        weekly, trend = await repo.weekly(Window(DAY - timedelta(days=7), DAY + timedelta(days=7)), session=session)
    assert (0, "P0", 1) in weekly and (1, "P1", 3) in weekly and (1, "P0", 2) in weekly
    assert trend["mtta"][1][0] == 6 and close(trend["mtta"][1][1], 95)


async def test_empty_range_is_a_friendly_report(make_harness: AppFactory) -> None:
    app = await loaded(make_harness)
    report = await build(app, Window(DAY + timedelta(days=30), DAY + timedelta(days=31)))
    assert report.empty and report.times["mtta"]["all"].count == 0
    services = app.firebell.services
    text = report_text(Catalog("en"), services.severities, report, services.policy.policy.zone)
    assert "No incidents in this period" in text
    assert json.loads(to_json(report))["total"] == 0


async def test_text_csv_json_and_table(make_harness: AppFactory) -> None:
    app = await loaded(make_harness)
    report = await build(app)
    services = app.firebell.services
    for locale, words in (("en", ["MTTA: from declaration", "acknowledged in time 50 %", "api: 99.702 %"]),
                          ("ko", ["MTTA: 선언부터", "시간 내 확인 50 %", "api: 99.702 %"])):
        text = report_text(Catalog(locale), services.severities, report, services.policy.policy.zone)
        for word in words:
            assert word in text, (locale, word)
    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    by_key = {(r["section"], r["subject"], r["measure"]): r["value"] for r in rows}
    assert by_key[("incidents", "all", "count")] == "7"
    assert float(by_key[("mttr", "P1", "p90_seconds")]) == 1900
    assert by_key[("sla", "P1", "acknowledged_in_time_percent")] == "66.7"
    data = json.loads(to_json(report))
    assert data["sla"]["P0"]["ack_percent"] == 50.0 and data["slowest"][0]["number"] == 6
    assert data["times"]["mtta"]["all"]["median"] == pytest.approx(95)
    assert to_table(report).splitlines()[0].split() == ["section", "subject", "measure", "value"]


async def test_report_command_and_bad_input(make_harness: AppFactory) -> None:
    app = await loaded(make_harness)
    # Whole days in the policy's zone (Seoul): 2 Nov 00:00 KST is 1 Nov 15:00 UTC.
    await app.command("report 2026-11-02 2026-11-07")
    assert "*Incidents:* 5" in app.last_response()
    await app.command("report 2026-11-02 2026-11-07 web")
    assert "*Incidents:* 3" in app.last_response()
    await app.command("report 1d")  # 9–10 Nov: nothing happened
    assert "No incidents in this period" in app.last_response()
    await app.command("report 2026-11-02 2026-11-07 public", channel="COPS")
    assert any("*Incidents:* 5" in (m.text or "") for m in app.slack.posts_in("COPS"))
    cases = {"report 2026-13-01 2026-11-07": "is not a period", "report 0d": "is not a period",
             "report 2026-11-07 2026-11-01": "ends (2026-11-01) before it starts",
             "report 2026-11-01": "is not a period", "report 9999d": "is not a period",
             "report 7d api extra": "is not a period", "report 2025-01-01 2026-11-01": "at most 366 days"}
    for text, expected in cases.items():
        response = await app.command(text)
        assert expected in await app.answer(response), text


async def test_korean_bad_range(make_harness: AppFactory) -> None:
    app = await loaded(make_harness, locale="ko")
    response = await app.command("report 11월")
    assert "기간이 아닙니다" in await app.answer(response)
