"""A report's numbers as one value: what the repository computed, in a shape the renderers, the CSV and
JSON writers and the App Home share. Pure."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

METRICS = ("mtta", "mttm", "mttr")


@dataclass(frozen=True)
class Times:
    count: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class Attainment:
    ack_ok: int
    ack_n: int
    resolve_ok: int
    resolve_n: int

    @staticmethod
    def percent(ok: int, n: int) -> float | None:
        return round(100.0 * ok / n, 1) if n else None


@dataclass(frozen=True)
class Availability:
    service: str
    percent: float
    target: float
    downtime_seconds: float
    allowed_seconds: float

    @property
    def met(self) -> bool:
        return self.downtime_seconds <= self.allowed_seconds


@dataclass(frozen=True)
class Report:
    start: datetime
    end: datetime
    service: str | None
    total: int
    by_severity: dict[str, int]
    by_service: dict[str, int]
    # metric → severity (or "all") → times in seconds
    times: dict[str, dict[str, Times]]
    sla: dict[str, Attainment]
    availability: list[Availability]
    slowest: list[tuple[int, str, str, int]]
    pages: list[tuple[str, int]]
    downtime_severities: list[str] = field(default_factory=list)
    # Alerts maintenance windows kept from opening incidents (None: no alert intake).
    suppressed_alerts: int | None = None

    @property
    def empty(self) -> bool:
        return self.total == 0

    def headline(self) -> dict[str, Any]:
        """The few numbers the App Home shows."""
        ack_ok = sum(a.ack_ok for a in self.sla.values())
        ack_n = sum(a.ack_n for a in self.sla.values())
        return {"total": self.total, "mtta": self.times["mtta"]["all"].median,
                "mttr": self.times["mttr"]["all"].median, "sla_ack": Attainment.percent(ack_ok, ack_n)}

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["start"], data["end"] = self.start.isoformat(), self.end.isoformat()
        data["sla"] = {s: {**asdict(a), "ack_percent": Attainment.percent(a.ack_ok, a.ack_n),
                           "resolve_percent": Attainment.percent(a.resolve_ok, a.resolve_n)}
                       for s, a in self.sla.items()}
        data["slowest"] = [dict(zip(("number", "title", "severity", "seconds"), row, strict=True))
                           for row in self.slowest]
        data["pages"] = [{"person": person, "pages": n} for person, n in self.pages]
        return data

    def rows(self) -> list[tuple[str, str, str, Any]]:
        """(section, subject, measure, value) for CSV and the table."""
        rows: list[tuple[str, str, str, Any]] = [("incidents", "all", "count", self.total)]
        rows += [("incidents", severity, "count", n) for severity, n in self.by_severity.items()]
        rows += [("incidents_by_service", service, "count", n) for service, n in self.by_service.items()]
        for metric in METRICS:
            for subject, times in self.times[metric].items():
                rows += [(metric, subject, "count", times.count), (metric, subject, "median_seconds",
                                                                    _round(times.median)),
                         (metric, subject, "p90_seconds", _round(times.p90))]
        for severity, a in self.sla.items():
            rows += [("sla", severity, "acknowledged_in_time", a.ack_ok), ("sla", severity, "acknowledged", a.ack_n),
                     ("sla", severity, "acknowledged_in_time_percent", Attainment.percent(a.ack_ok, a.ack_n)),
                     ("sla", severity, "resolved_in_time", a.resolve_ok), ("sla", severity, "resolved", a.resolve_n),
                     ("sla", severity, "resolved_in_time_percent", Attainment.percent(a.resolve_ok, a.resolve_n))]
        for item in self.availability:
            rows += [("availability", item.service, "percent", round(item.percent, 3)),
                     ("availability", item.service, "target_percent", item.target),
                     ("availability", item.service, "downtime_seconds", _round(item.downtime_seconds))]
        rows += [("slowest", f"#{number}", "resolve_seconds", seconds) for number, _t, _s, seconds in self.slowest]
        rows += [("pages", person, "count", n) for person, n in self.pages]
        if self.suppressed_alerts is not None:
            rows.append(("alerts", "suppressed_by_maintenance", "count", self.suppressed_alerts))
        return rows


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "subject", "measure", "value"])
    for row in report.rows():
        writer.writerow(["" if value is None else value for value in row])
    return out.getvalue()


def to_json(report: Report) -> str:
    return json.dumps(report.as_dict(), ensure_ascii=False, indent=2)


def to_table(report: Report) -> str:
    rows = [("section", "subject", "measure", "value"),
            *((a, b, c, "" if d is None else str(d)) for a, b, c, d in report.rows())]
    widths = [max(len(str(row[i])) for row in rows) for i in range(4)]
    return "\n".join("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
                     for row in rows) + "\n"
