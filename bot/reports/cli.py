"""`firebell report --since 30d --format table|csv|json` and `firebell export postmortem <number>`:
read-only, they need only the database, the policy and the locale (not the Slack tokens)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta

from bot.i18n import Catalog
from bot.policy.loader import PolicyError, load_policy
from bot.policy.schema import Policy
from bot.postmortems.render import postmortem_markdown
from bot.postmortems.service import load_facts
from bot.reports.commands import parse_span
from bot.reports.numbers import to_csv, to_json, to_table
from bot.reports.service import compute
from storage.db import create_engine, create_session_factory
from storage.repositories.reports import Window

FORMATS = {"table": to_table, "csv": to_csv, "json": to_json}


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = sub.add_parser("report", help="incident numbers of a period (for spreadsheets)")
    report.add_argument("--since", default="30d", help="how far back: 7d, 30d, 90d … (default 30d)")
    report.add_argument("--service", help="only this service")
    report.add_argument("--format", choices=sorted(FORMATS), default="table")
    export = sub.add_parser("export", help="print a document")
    export_sub = export.add_subparsers(dest="export_command", required=True)
    postmortem = export_sub.add_parser("postmortem", help="an incident's post-mortem as Markdown")
    postmortem.add_argument("number", type=int)


def _environment() -> tuple[str, Policy, Catalog]:
    from bot.settings import DEFAULT_DATABASE_URL, normalise_database_url

    url = normalise_database_url(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    policy = load_policy(os.environ.get("FIREBELL_POLICY") or None)
    return url, policy, Catalog(os.environ.get("FIREBELL_LOCALE", "en"))


async def _report(url: str, policy: Policy, days: int, service: str | None, fmt: str) -> str:
    engine = create_engine(url, timeout=60)  # a long period on a big database takes its time
    try:
        async with create_session_factory(engine, timeout=60)() as session:
            now = datetime.now(UTC)
            report = await compute(Window(now - timedelta(days=days), now, service), policy, now, session=session)
    finally:
        await engine.dispose()
    return FORMATS[fmt](report)


async def _postmortem(url: str, policy: Policy, catalog: Catalog, number: int) -> str:
    engine = create_engine(url, timeout=60)  # a long period on a big database takes its time
    try:
        async with create_session_factory(engine, timeout=60)() as session:
            facts = await load_facts(number, session=session)
    finally:
        await engine.dispose()
    if facts.postmortem is None:
        return ""
    return postmortem_markdown(catalog, policy.severity_table(), policy.postmortems, policy.zone, facts)


def run(args: argparse.Namespace) -> int | None:
    """Carry out `report` or `export`; None for other commands."""
    if args.command not in ("report", "export"):
        return None
    from bot.errors import FirebellError, UsageError

    try:
        url, policy, catalog = _environment()
    except (PolicyError, ValueError) as error:
        print(f"firebell: invalid configuration: {error}", file=sys.stderr)
        return 2
    try:
        if args.command == "report":
            output = asyncio.run(_report(url, policy, parse_span(args.since), args.service, args.format))
        else:
            output = asyncio.run(_postmortem(url, policy, catalog, args.number))
            if not output:
                print(catalog.plain("postmortem.export_missing", number=args.number), file=sys.stderr)
                return 1
    except UsageError as error:
        print(f"firebell: {catalog.plain(error.key, **error.params)}", file=sys.stderr)
        return 2
    except FirebellError as error:
        print(f"firebell: {catalog.plain(error.key, **error.params)}", file=sys.stderr)
        return 1
    sys.stdout.write(output)
    return 0
