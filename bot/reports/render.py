"""A report as Slack text (mrkdwn), in the reader's language. Pure."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.i18n import Catalog
from bot.incidents.render import severity_label
from bot.incidents.severity import SeverityTable
from bot.reports.numbers import Attainment, Report, Times
from bot.slack.blocks import format_duration
from bot.slack.text import Mrkdwn, clip, escape, slack_target


def duration(t: Catalog, seconds: float | None) -> str:
    return str(t("report.na")) if seconds is None else str(format_duration(t, timedelta(seconds=round(seconds))))


def percent(value: float | None, t: Catalog) -> str:
    return str(t("report.na")) if value is None else f"{value:g} %"


def _pair(t: Catalog, times: Times | None) -> str:
    if times is None or times.count == 0:
        return str(t("report.na"))
    return str(t("report.pair", median=Mrkdwn(duration(t, times.median)), p90=Mrkdwn(duration(t, times.p90))))


def report_text(t: Catalog, severities: SeverityTable, report: Report, zone: ZoneInfo, *,
                name: str | None = None) -> str:
    start = report.start.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    end = report.end.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    if name:
        lines = [str(t("report.header_named", name=name, start=start, end=end))]
    else:
        suffix = t("report.service_suffix", service=report.service) if report.service else Mrkdwn("")
        lines = [str(t("report.header", start=start, end=end, service=suffix))]
    if report.empty:
        lines.append(str(t("report.empty")))
        return "\n".join(lines)
    label = {s: severity_label(t, severities, s) for s in report.by_severity}
    lines.append(str(t("report.totals", total=report.total,
                       by_severity=", ".join(f"{label[s]}: {n}" for s, n in report.by_severity.items()))))
    if report.by_service:
        lines.append(str(t("report.by_service", by_service=", ".join(
            f"{clip(s, 40)}: {n}" for s, n in report.by_service.items()))))
    lines += ["", str(t("report.times")), str(t("report.def.mtta")), str(t("report.def.mttm")),
              str(t("report.def.mttr"))]
    for severity, count in report.by_severity.items():
        lines.append(str(t("report.times_row", severity=label[severity], count=count,
                           **{m: Mrkdwn(_pair(t, report.times[m].get(severity))) for m in ("mtta", "mttm", "mttr")})))
    lines += ["", str(t("report.sla"))]
    for severity, a in report.sla.items():
        lines.append(str(t("report.sla_row", severity=label.get(severity, severity),
                           ack_pct=percent(Attainment.percent(a.ack_ok, a.ack_n), t), ack_ok=a.ack_ok, ack_n=a.ack_n,
                           res_pct=percent(Attainment.percent(a.resolve_ok, a.resolve_n), t),
                           res_ok=a.resolve_ok, res_n=a.resolve_n)))
    downtime_severities = "/".join(report.downtime_severities)
    lines += ["", str(t("report.availability", severities=downtime_severities))]
    for item in report.availability:
        lines.append(str(t("report.availability_row", service=clip(item.service, 60),
                           availability=f"{item.percent:.3f} %", target=f"{item.target:g} %",
                           downtime=Mrkdwn(duration(t, item.downtime_seconds)),
                           allowed=Mrkdwn(duration(t, item.allowed_seconds)),
                           verdict=t("report.met") if item.met else t("report.missed"))))
    if not report.availability:
        lines.append(str(t("report.availability_none", severities=downtime_severities)))
    lines += ["", str(t("report.slowest"))]
    lines += [str(t("report.slowest_row", number=number, title=escape(clip(title, 80)), severity=label.get(sev, sev),
                    duration=Mrkdwn(duration(t, seconds)))) for number, title, sev, seconds in report.slowest]
    lines += ["", str(t("report.pages"))]
    lines += [str(t("report.pages_row", target=slack_target(person), count=n)) for person, n in report.pages] \
        or [str(t("report.none"))]
    if report.suppressed_alerts:
        lines += ["", str(t("report.suppressed", count=report.suppressed_alerts))]
    return "\n".join(lines)
