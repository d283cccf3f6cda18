"""Run the three benchmarks in sequence and print a Markdown summary table.

    python -m benchmarks.run_all [--database-url URL]

Each benchmark runs in its own Python process (python -m benchmarks.<name>), on a fresh SQLite file
by default; --database-url is passed through to all three (PostgreSQL: each one DROPS and recreates
schema public first). Exit status 1 when any target fails.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import DATABASE_HELP

BENCHMARKS = ("timer_lateness", "tick_cost", "ack_latency")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run_all",
                                     description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database-url", default=None, help=DATABASE_HELP)
    parser.add_argument("--only", default=None,
                        help=f"comma-separated subset of {', '.join(BENCHMARKS)} (default: all)")
    return parser.parse_args(argv)


def database_label(results: dict[str, Any]) -> str:
    name = str(results.get("database", ""))
    return "PostgreSQL" if name.startswith("postgres") else "SQLite" if name.startswith("sqlite") else name


def rows_for(name: str, results: dict[str, Any]) -> list[list[str]]:
    db = database_label(results)
    result = "PASS" if results["pass"] else "**FAIL**"
    if name == "timer_lateness":
        late, base = results["lateness"], results["baseline"]
        return [[
            f"Timer lateness ({results['timers']:,} timers over {results['spread_seconds']:g} s, 1 s tick, "
            f"batch {results['batch']})",
            db,
            f"p50 {late['p50']:.3f} s · p95 {late['p95']:.3f} s · p99 {late['p99']:.3f} s · max {late['max']:.3f} s; "
            f"{results['fired']:,}/{results['timers']:,} fired, {results['duplicates']} duplicates",
            f"heapq, no DB: p50 {base['p50']:.3f} s · p99 {base['p99']:.3f} s "
            f"(Δp99 {late['p99'] - base['p99']:+.3f} s)",
            f"p99 ≤ {results['target_p99']} s, 0 duplicates",
            result,
        ]]
    if name == "tick_cost":
        first, last = results["sizes"][0], results["sizes"][-1]
        return [[
            "Tick cost (10 due now, N pending tomorrow; median of 30)",
            db,
            f"{first['tick_median'] * 1000:.1f} ms at N={first['pending']:,} → "
            f"{last['tick_median'] * 1000:.1f} ms at N={last['pending']:,} (ratio {results['ratio']:.2f}; "
            f"claim_due {results['claim_ratio']:.2f}); index used: {'yes' if results['index_used'] else 'no'}",
            "N=100",
            f"ratio ≤ {results['target_ratio']}, no full scan",
            result,
        ]]
    if name == "ack_latency":
        base = results["baseline"]
        rows = []
        for key, label in (("help", "`/incident help` (answer in the ack)"),
                           ("list", "`/incident list` (work after the ack)")):
            stats = results[key]
            rows.append([
                f"Ack latency, {label}, {results['requests']} sequential",
                db,
                f"p50 {stats['p50']:.1f} ms · p95 {stats['p95']:.1f} ms · p99 {stats['p99']:.1f} ms",
                f"bare Bolt `ack()`: p50 {base['p50']:.1f} · p95 {base['p95']:.1f} · p99 {base['p99']:.1f} ms "
                f"(overhead p50 {stats['p50'] - base['p50']:+.1f} ms)",
                "< 3 s (Slack)",
                result,
            ])
        return rows
    raise ValueError(name)


def markdown(rows: list[list[str]]) -> str:
    header = ["Benchmark", "DB", "Measured", "Baseline (same run)", "Target", "Result"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    chosen = args.only.split(",") if args.only else list(BENCHMARKS)
    unknown = set(chosen) - set(BENCHMARKS)
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    rows: list[list[str]] = []
    failed: list[str] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="firebell-bench-results-") as directory:
        for name in chosen:
            out = Path(directory) / f"{name}.json"
            command = [sys.executable, "-m", f"benchmarks.{name}", "--json-out", str(out)]
            if args.database_url:
                command += ["--database-url", args.database_url]
            print(f"\n$ {' '.join(command[1:])}", flush=True)
            completed = subprocess.run(command, check=False)
            if not out.exists():
                print(f"{name} did not finish (exit status {completed.returncode})")
                failed.append(name)
                continue
            results = json.loads(out.read_text())
            rows += rows_for(name, results)
            if not results["pass"]:
                failed.append(name)
    print(f"\n## Benchmark summary ({time.monotonic() - started:.0f} s)\n")
    print(markdown(rows))
    if failed:
        print(f"\nFAILED: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
