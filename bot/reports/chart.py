"""The scheduled report's chart: incidents per week by severity (stacked bars) and the MTTA / MTTR
trend (weekly medians), drawn on matplotlib's Agg canvas into a PNG.

Korean labels need a font with Hangul: NanumGothic, shipped by the `koreanize-matplotlib` package. Its
file is used directly (importing that package would change matplotlib's global settings).
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ft2font import FT2Font
from matplotlib.ticker import MaxNLocator

from bot.i18n import Catalog

COLORS = {"P0": "#d62728", "P1": "#ff7f0e", "P2": "#e0c000", "P3": "#1f77b4", "P4": "#9e9e9e"}
SIZE_INCHES, DPI = (10, 4.2), 100


@cache
def hangul_font_path() -> Path:
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the koreanize-matplotlib package (NanumGothic) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "fonts" / "NanumGothic.ttf"


def missing_glyphs(texts: Iterable[str]) -> set[str]:
    """Characters of `texts` the chart's font cannot draw."""
    font = FT2Font(str(hangul_font_path()))
    return {ch for text in texts for ch in text if not ch.isspace() and font.get_char_index(ord(ch)) == 0}


def chart_labels(t: Catalog) -> dict[str, str]:
    keys = ("chart_title_weekly", "chart_title_trend", "chart_week", "chart_minutes", "chart_count")
    return {key: t.plain(f"report.{key}") for key in keys}


def render_chart(t: Catalog, series: dict[str, Any]) -> bytes:
    """`series` as stored with a report snapshot: its start, (week, severity, count) rows and the weekly
    MTTA / MTTR quantiles in seconds."""
    font = FontProperties(fname=str(hangul_font_path()))
    labels = chart_labels(t)
    start = datetime.fromisoformat(series["start"])
    weekly: list[list[Any]] = series.get("weekly") or []
    trend: dict[str, dict[str, list[Any]]] = series.get("trend") or {}
    weeks = sorted({int(w) for w, _s, _n in weekly} | {int(k) for per in trend.values() for k in per}) or [0]
    span = range(min(weeks), max(weeks) + 1)
    ticks = [(start + timedelta(weeks=w)).strftime("%m-%d") for w in span]
    # A Figure of its own on the Agg canvas: no pyplot, no global state, safe in a worker thread.
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI)
    FigureCanvasAgg(figure)
    bars, lines = figure.subplots(1, 2)
    bottom = [0] * len(span)
    for severity in sorted({str(s) for _w, s, _n in weekly}):
        counts = [sum(int(n) for w, s, n in weekly if int(w) == week and s == severity) for week in span]
        bars.bar(ticks, counts, bottom=bottom, label=severity, color=COLORS.get(severity))
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    bars.yaxis.set_major_locator(MaxNLocator(integer=True))
    bars.set_title(labels["chart_title_weekly"], fontproperties=font)
    bars.set_xlabel(labels["chart_week"], fontproperties=font)
    bars.set_ylabel(labels["chart_count"], fontproperties=font)
    if weekly:
        bars.legend(prop=font)
    for metric, color in (("mtta", "#1f77b4"), ("mttr", "#d62728")):
        per = trend.get(metric, {})
        medians = [per[str(w)][1] / 60 if str(w) in per and per[str(w)][1] is not None else float("nan")
                   for w in span]
        lines.plot(ticks, medians, marker="o", label=metric.upper(), color=color)
    lines.set_title(labels["chart_title_trend"], fontproperties=font)
    lines.set_xlabel(labels["chart_week"], fontproperties=font)
    lines.set_ylabel(labels["chart_minutes"], fontproperties=font)
    lines.legend(prop=font)
    for axes in (bars, lines):
        axes.tick_params(axis="x", labelrotation=45)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
