"""Run the benchmarks against a real `firebell run` process and print what a user would see.

    python -m benchmarks.run_all [--quick] [--db sqlite|postgresql|both] [--only ack,effects,...]
                                 [--memory [--memory-incidents 10000]] [--repeats 3] [--out FILE]

Per database: the fake Slack and the bare Bolt baseline start as processes of their own; each benchmark
then starts a fresh `python -m bot run` on a fresh database (SQLite: a new file; PostgreSQL: schema
public of --pg-url dropped and recreated) and drives it over HTTP with signed slash commands. The
figures are printed as Markdown tables and written as JSON (default benchmarks/results/<UTC time>-
<quick|full>.json). Exit status 1 when a benchmark could not run.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks import ack_latency, declare_effects, memory, throughput, timer_lateness
from benchmarks.common import PG_DEFAULT, check_scratch, describe_url, write_json
from benchmarks.processes import REPO
from benchmarks.suite import Suite
from bot.settings import normalise_database_url

BENCHMARKS = {"ack": ack_latency, "effects": declare_effects, "throughput": throughput, "timers": timer_lateness}
RESULTS = Path(__file__).resolve().parent / "results"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run_all",
                                     description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true",
                        help="one repetition, smaller batches, shorter steps, 1,500 timers over 9 s: about 2 minutes "
                             "a database instead of about 10")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg-url", default=PG_DEFAULT,
                        help=f"scratch PostgreSQL database; its schema public is DROPPED (default {PG_DEFAULT})")
    parser.add_argument("--only", default=None,
                        help=f"comma-separated subset of {', '.join(BENCHMARKS)}, memory (default: all but memory)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="repetitions of each benchmark (default 3; 1 with --quick)")
    parser.add_argument("--memory", action="store_true",
                        help="also the long memory benchmark (10,000 incidents: about 10-15 minutes a database)")
    parser.add_argument("--memory-incidents", type=int, default=10_000, help="incidents to declare (default 10000)")
    parser.add_argument("--validate-blocks", action="store_true",
                        help="the fake Slack validates Block Kit like the tests (costs CPU on the same machine)")
    parser.add_argument("--out", default=None, help="JSON results file (default benchmarks/results/<time>.json)")
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs and SQLite files")
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    return args


# --- the machine ---------------------------------------------------------------------------------------


def _command_output(*command: str) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPO).stdout.strip()
    except OSError:
        return ""


async def postgres_version(url: str) -> str:
    engine = create_async_engine(make_url(normalise_database_url(url)).set(database="postgres"))
    try:
        async with engine.connect() as connection:
            return str(await connection.scalar(text("SHOW server_version")))
    except Exception as exc:
        return f"unknown ({type(exc).__name__})"
    finally:
        await engine.dispose()


async def machine(args: argparse.Namespace) -> dict[str, Any]:
    model = next((line.split(":", 1)[1].strip() for line in _command_output("lscpu").splitlines()
                  if line.startswith("Model name")), platform.processor())
    changed = _command_output("git", "status", "--porcelain", "--", "bot", "handlers", "storage")
    return {
        "nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
        "postgresql": await postgres_version(args.pg_url) if args.db != "sqlite" else None,
        "commit": _command_output("git", "rev-parse", "--short", "HEAD"),
        "uncommitted_changes_in_app": bool(changed),
    }


# --- tables --------------------------------------------------------------------------------------------


def cell(values: Iterable[float], fmt: str) -> str:
    """One figure per repetition, `a · b · c`; a missing one is a dash."""
    return " · ".join("—" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, fmt)
                      for v in values)


def markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def grouped(points: list[dict[str, Any]], *keys: str) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
    """Points of the same (key values) together, in the order first met: one list per table row."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for point in points:
        groups.setdefault(tuple(point[key] for key in keys), []).append(point)
    return groups


def at(path: str) -> Callable[[dict[str, Any]], Any]:
    """A getter for a dotted path, e.g. at("firebell.p99")."""
    def get(point: dict[str, Any]) -> Any:
        value: Any = point
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value
    return get


def table_rows(db: str, groups: dict[tuple[Any, ...], list[dict[str, Any]]],
               columns: list[tuple[str, str]]) -> list[list[str]]:
    return [[db, *(str(k) for k in key), *(cell(map(at(path), points), fmt) for path, fmt in columns)]
            for key, points in groups.items()]


ACK_COLUMNS = [("requests", "d"), ("firebell.p50", ".1f"), ("firebell.p95", ".1f"), ("firebell.p99", ".1f"),
               ("firebell.max", ".1f"), ("bolt.p50", ".1f"), ("bolt.p99", ".1f"), ("ratio.p50", ".2f"),
               ("ratio.p95", ".2f"), ("ratio.p99", ".2f"), ("ratio.max", ".2f"), ("drain_seconds", ".1f")]
EFFECT_COLUMNS = [("declares", "d"), ("feed_seconds.p50", ".3f"), ("feed_seconds.p95", ".3f"),
                  ("feed_seconds.p99", ".3f"), ("feed_seconds.max", ".3f"), ("channel_seconds.p50", ".3f"),
                  ("channel_seconds.p99", ".3f"), ("missing", "d"), ("told_failed", "d")]
STEP_COLUMNS = [("ack_ms.per_second", ".0f"), ("ack_ms.p50", ".1f"), ("ack_ms.p99", ".1f"), ("ack_ms.max", ".1f"),
                ("channel_seconds.p50", ".2f"), ("channel_seconds.p99", ".2f"), ("late", "d"),
                ("incidents_not_created", "d"), ("told_failed", "d")]
TIMER_COLUMNS = [("posted", "d"), ("duplicate_posts", "d"), ("post_lateness_seconds.p50", ".2f"),
                 ("post_lateness_seconds.p95", ".2f"), ("post_lateness_seconds.p99", ".2f"),
                 ("post_lateness_seconds.max", ".2f"), ("fired_lateness_seconds.p50", ".2f"),
                 ("fired_lateness_seconds.p99", ".2f"), ("declares.ack_ms.p99", ".1f"),
                 ("declares.channel_seconds.p50", ".2f"), ("declares.channel_seconds.p99", ".2f"),
                 ("declares.told_failed", "d")]


def report(results: dict[str, Any]) -> str:
    dbs: dict[str, dict[str, Any]] = results["databases"]
    sections: list[str] = []

    def ran(name: str) -> list[tuple[str, dict[str, Any]]]:
        return [(db, figures[name]) for db, figures in dbs.items()
                if name in figures and "error" not in figures[name]]

    ack = [row for db, f in ran("ack")
           for row in table_rows(db, grouped(f["points"], "command", "in_flight"), ACK_COLUMNS)]
    if ack:
        sections.append("### 1. Ack latency, ms (a figure per repetition; ratio = Firebell / bare Bolt)\n\n" + markdown(
            ["DB", "command", "in flight", "requests", "p50", "p95", "p99", "max", "Bolt p50", "Bolt p99",
             "ratio p50", "ratio p95", "ratio p99", "ratio max", "drain s"], ack))
    effects = [row for db, f in ran("effects")
               for row in table_rows(db, grouped(f["points"], "in_flight"), EFFECT_COLUMNS)]
    if effects:
        sections.append("### 2. Declare → Slack, seconds (a declare is in flight until both effects arrived)\n\n"
                        + markdown(["DB", "in flight", "declares", "→ feed p50", "→ feed p95", "→ feed p99",
                                    "→ feed max", "→ channel p50", "→ channel p99", "missing", "told failed"],
                                   effects))
    ramps = ran("throughput")
    if ramps:
        steps = [row for db, f in ramps for row in table_rows(
            db, grouped([dict(step, repeat=r["repeat"]) for r in f["ramps"] for step in r["steps"]], "rate"),
            STEP_COLUMNS)]
        sustained = "\n".join(
            f"- {db}: ack p99 ≤ 1 s up to {cell((r['sustained_ack'] for r in f['ramps']), 'g')} declares/s"
            f"{'' if all(r['stopped_by_ack'] for r in f['ramps']) else ' (or more: a ramp ended below the limit)'}; "
            f"the Slack side kept up to {cell((r['kept_up'] for r in f['ramps']), 'g')} declares/s"
            for db, f in ramps)
        sections.append("### 3. Declares per second, stepped up (open loop)\n\n" + sustained + "\n\n" + markdown(
            ["DB", "offered /s", "answered /s", "ack p50 ms", "ack p99 ms", "ack max ms", "→ channel p50 s",
             "→ channel p99 s", "late", "not created", "told failed"], steps))
    timers = ran("timers")
    if timers:
        first = timers[0][1]
        sections.append(
            f"### 4. Timer lateness, seconds ({first['timers']:,} reminders over {first['spread_seconds']:g} s, "
            f"{first['declares_per_second']:g} declares/s beside them)\n\n"
            + markdown(["DB", "timers", "posted", "dup", "post p50", "post p95", "post p99", "post max",
                        "fired_at p50", "fired_at p99", "declare ack p99 ms", "→ channel p50", "→ channel p99",
                        "told failed"],
                       [row for db, f in timers for row in table_rows(db, {(f["timers"],): f["runs"]}, TIMER_COLUMNS)]))
    memory_rows = [[db, f"{f['incidents']:,}", f"{f['timeline_entries']:,}",
                    " → ".join(f"{p['rss_mib']:.0f}" for p in f["curve"]),
                    f"{f['rss_mib'].get('after list and status', math.nan):.0f}", f"{f['cpu_seconds']:.0f}",
                    f"{f['cpu_ms_per_incident']:.0f}"]
                   for db, f in ran("memory")]
    if memory_rows:
        sections.append("### 5. Resident memory of `firebell run`, MiB\n\n" + markdown(
            ["DB", "incidents", "timeline rows", "RSS every 1,000 incidents", "after list/status", "CPU s",
             "CPU ms per incident"],
            memory_rows))
    processes = [[db, name, cell((run["rss_mib"].get("started"), run["rss_mib"].get("end")), ".0f").replace("·", "→"),
                  cell([run["cpu_seconds"]], ".0f"), f"{run['exit_status']} after {run['stop_seconds']:g} s",
                  "; ".join(f"{k} ×{v}".replace("|", "\\|") for k, v in run["logged"].items()) or "nothing"]
                 for db, figures in dbs.items() for name, run in figures.get("processes", {}).items()]
    if processes:
        sections.append("### The `firebell run` processes: RSS in MiB (start → end), CPU seconds, exit status after "
                        "SIGTERM, what they logged (WARNING and up)\n\n"
                        + markdown(["DB", "process", "RSS", "CPU s", "exit", "logged"], processes))
    machine_notes = [f"- {db}: load average {_loads(figures)}; CPU seconds of the helpers on the same cores: "
                     + ", ".join(f"{name.replace('_', ' ')} {value:g}" for name, value in
                                 figures.get("helpers_cpu_seconds", {}).items())
                     for db, figures in dbs.items()]
    sections.append("### The machine meanwhile\n\n" + "\n".join(machine_notes))
    errors = [f"- {db} {name}: {f['error']}" for db, figures in dbs.items() for name, f in figures.items()
              if isinstance(f, dict) and "error" in f]
    if errors:
        sections.append("### Benchmarks that could not run\n\n" + "\n".join(errors))
    return "\n\n".join(sections)


def _loads(figures: dict[str, Any]) -> str:
    start, end = figures.get("load_average_at_start"), figures.get("load_average_at_end")
    return " → ".join(cell(loads[:1], ".2f") for loads in (start, end) if loads) + " (1 min, start → end)"


# --- running -------------------------------------------------------------------------------------------


async def run_one(suite: Suite, name: str, args: argparse.Namespace) -> dict[str, Any]:
    """One benchmark's figures, or {"error": …} when it could not run (the others still do)."""
    started = time.perf_counter()
    try:
        if name == "memory":
            figures = await memory.run(suite, incidents=args.memory_incidents)
        else:
            figures = await BENCHMARKS[name].run(suite, quick=args.quick, repeats=args.repeats)
    except Exception as exc:
        traceback.print_exc()
        figures = {"error": f"{type(exc).__name__}: {exc}"}
    figures["seconds"] = round(time.perf_counter() - started, 1)
    return figures


async def run_database(db: str, args: argparse.Namespace, chosen: list[str], workdir: Path) -> dict[str, Any]:
    figures: dict[str, Any] = {"load_average_at_start": os.getloadavg()}
    async with Suite(db, workdir / db, pg_url=args.pg_url, validate_blocks=args.validate_blocks) as suite:
        for name in chosen:
            print(f"\n## {db}: {name}" + (f" ({args.memory_incidents:,} incidents)" if name == "memory"
                                         else f" ({args.repeats}×)"), flush=True)
            figures[name] = await run_one(suite, name, args)
        figures["processes"] = suite.processes
        figures["helpers_cpu_seconds"] = suite.cpu_seconds()
    figures["load_average_at_end"] = os.getloadavg()
    if db == "postgresql":
        figures["database_url"] = describe_url(normalise_database_url(args.pg_url))
    return figures


async def main_async(args: argparse.Namespace) -> int:
    chosen = args.only.split(",") if args.only else list(BENCHMARKS)
    if args.memory and "memory" not in chosen:
        chosen.append("memory")
    unknown = set(chosen) - {*BENCHMARKS, "memory"}
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; choose from {', '.join(BENCHMARKS)}, memory",
              file=sys.stderr)
        return 2
    if args.db != "sqlite":
        check_scratch(normalise_database_url(args.pg_url))
    started_at = datetime.now(UTC)
    mode = "quick" if args.quick else "full"
    out = Path(args.out) if args.out else RESULTS / f"{started_at:%Y%m%dT%H%M%SZ}-{mode}.json"
    results: dict[str, Any] = {"machine": await machine(args), "started": started_at.isoformat(),
                               "mode": mode, "repeats": args.repeats,
                               "databases": {}}
    print(f"# Firebell benchmarks ({results['mode']}) on {results['machine']['nproc']} × {results['machine']['cpu']}, "
          f"Python {results['machine']['python']}, PostgreSQL {results['machine']['postgresql'] or '-'}", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="firebell-bench-"))
    started = time.perf_counter()
    try:
        for db in (("sqlite", "postgresql") if args.db == "both" else (args.db,)):
            results["databases"][db] = await run_database(db, args, chosen, workdir)
    finally:
        results["seconds"] = round(time.perf_counter() - started, 1)
        write_json(out, results)
        if args.keep_logs:
            print(f"\nlogs and SQLite files kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n## Results ({results['seconds']:.0f} s; JSON in {out})\n")
    print(report(results))
    failed = any(isinstance(f, dict) and "error" in f for figures in results["databases"].values()
                 for f in figures.values())
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(main_async(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
