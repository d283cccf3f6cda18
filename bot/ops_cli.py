"""`firebell audit` and the database side of `firebell policy reload` (for replicas no pid file reaches)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import socket
import sys

from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.audit import AuditLog, as_json, as_table, parse_since
from bot.clock import SystemClock
from bot.policy.loader import PolicyError
from bot.policy.replicas import propose, read_policy_text
from storage.db import create_engine, create_session_factory, upgrade_database


def add_audit_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    audit = sub.add_parser("audit", help="print the audit log (state changes, denials, policy loads, overrides)")
    audit.add_argument("--since", default="7d", help="how far back: 30m, 12h, 7d, 2w (default 7d)")
    audit.add_argument("--incident", type=int, help="only this incident")
    audit.add_argument("--actor", action="append", default=[], help="only this Slack user id (repeatable)")
    audit.add_argument("--format", choices=("table", "json"), default="table")
    audit.add_argument("--limit", type=int, default=1000)


async def audit_text(url: str, args: argparse.Namespace) -> str:
    engine = create_engine(url)
    try:
        clock = SystemClock()
        log = AuditLog(create_session_factory(engine), clock)
        entries = await log.entries(since=clock.now() - parse_since(args.since), incident_id=args.incident,
                                    actors=args.actor, limit=args.limit)
    finally:
        await engine.dispose()
    return as_json(entries) if args.format == "json" else as_table(entries)


def audit_command(url: str, args: argparse.Namespace) -> int:
    try:
        parse_since(args.since)
    except ValueError as error:
        print(f"firebell audit: --since {error}", file=sys.stderr)
        return 2
    output = asyncio.run(audit_text(url, args))
    if output:
        print(output)
    return 0


async def _record(url: str, path: str | None, locale: str | None) -> tuple[bool, str, list[str]]:
    content, source = read_policy_text(path, locale)
    engine = create_engine(url)
    try:
        await upgrade_database(engine)
        outcome = await propose(create_session_factory(engine), SystemClock(), content=content, source=source,
                                actor=f"firebell policy reload by {getpass.getuser()}@{socket.gethostname()}")
    finally:
        await engine.dispose()
    return outcome.accepted, outcome.hash, outcome.problems


class _PolicyEnv(BaseSettings):
    """What `policy reload` reads the way `run` reads it (environment, then .env)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")
    firebell_policy: str | None = None
    firebell_locale: str | None = None


def reload_through_database(url: str) -> int:
    """Validate the file once and record it: every replica loads it (or logs the same refusal) within a tick."""
    env = _PolicyEnv()
    path, locale = env.firebell_policy, env.firebell_locale
    try:
        accepted, digest, problems = asyncio.run(_record(url, path, locale))
    except PolicyError as error:
        accepted, digest, problems = False, "", error.problems
    if not accepted:
        print(f"firebell: policy refused for every replica ({path or 'shipped policy'}):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"policy {digest} recorded; every replica loads it within a few seconds (see /healthz)")
    return 0
