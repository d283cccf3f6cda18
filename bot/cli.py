"""`firebell …`: run the bot, manage the database."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

from aiohttp import web
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.app import Firebell, create_app
from bot.firstrun import (
    EnvOnly,
    env_locale,
    listening_line,
    log_format,
    quiet_bolt_startup,
    startup_warning,
    token_gate,
)
from bot.logging import configure_logging, get_logger
from bot.ops_cli import add_audit_parser, audit_command, reload_through_database
from bot.policy.loader import PolicyError, load_policy
from bot.policy.references import first_run_warnings
from bot.policy.summary import summarise
from bot.process import run_until_signalled, start_replica
from bot.reports.cli import add_parsers as add_report_parsers
from bot.reports.cli import run as run_reports
from bot.settings import Settings, SettingsError, load_settings
from storage.db import create_engine, upgrade_database

log = get_logger("firebell")


async def serve(settings: Settings) -> None:
    firebell: Firebell = create_app(settings)
    await firebell.prepare(migrate=True)
    runner = web.AppRunner(firebell.web, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    socket_handler = None
    if settings.socket_mode:
        from bot.slack.socket_mode import SocketModeLink

        assert settings.slack_app_token is not None
        # Connects in the background and keeps reconnecting with backoff; /healthz says whether it is connected.
        socket_handler = SocketModeLink(firebell.bolt, settings.slack_app_token.get_secret_value(), firebell.runtime)
        socket_handler.start()
    firebell.start_scheduler()
    gaps = startup_warning(firebell.services.policy.policy)
    if gaps:
        log.warning(gaps)
    log.info(listening_line(settings))
    log.info(
        "firebell_started",
        mode="socket" if settings.socket_mode else "http",
        port=settings.port,
        database=settings.database_url.split("://", 1)[0],
        locale=settings.firebell_locale,
    )
    # SIGHUP reloads the policy for every replica; SIGTERM drains and gives back claims (bot/process.py).
    await run_until_signalled(firebell, runner, await start_replica(firebell), socket_handler)


async def upgrade(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade_database(engine)
    finally:
        await engine.dispose()


def _database_url_only() -> str:
    """`db upgrade` needs only DATABASE_URL (environment, then .env), not the Slack tokens."""
    from bot.settings import normalise_database_url

    return normalise_database_url(EnvOnly().database_url)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="firebell", description="Incident response for Slack.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start the bot (migrates the database first)")
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply every pending migration")
    policy = sub.add_parser("policy", help="the policy file")
    policy_sub = policy.add_subparsers(dest="policy_command", required=True)
    check = policy_sub.add_parser("check", help="validate a policy file")
    check.add_argument("file", nargs="?", help="policy YAML (default: the shipped policy)")
    policy_sub.add_parser("reload", help="reload the policy on every replica (through the pid file's process, "
                                        "else through the database)")
    add_audit_parser(sub)
    sub.add_parser("doctor", help="check the settings, the token, the channels and the policy's ids against Slack")
    from bot.demo.command import add_demo_parser

    add_demo_parser(sub)
    add_report_parsers(sub)  # report, export postmortem (bot/reports/cli.py)
    return parser


def policy_check(path: str | None) -> int:
    try:
        policy = load_policy(path, env_locale())
    except PolicyError as error:
        print(f"{error.source}: invalid policy", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(summarise(policy))
    for warning in first_run_warnings(policy):
        print(f"warning: {warning}")
    return 0


class _PidFileSetting(BaseSettings):
    """Only what `policy reload` needs, read the way `run` reads it (environment, then .env)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")
    firebell_pid_file: str = "./firebell.pid"


def policy_reload() -> int:
    pid_path = Path(_PidFileSetting().firebell_pid_file)
    try:
        pid = int(pid_path.read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError) as error:
        # No process here to ask (a container, another host): record the policy for every replica directly.
        print(f"firebell: no running bot found through {pid_path} ({error}); recording it in the database",
              file=sys.stderr)
        return reload_through_database(_database_url_only())
    print(f"asked process {pid} to reload its policy (it logs the outcome)")
    return 0


def doctor() -> int:
    from bot.doctor import diagnose, report

    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"FAIL  settings: {error}")
        return 1
    text, code = report(asyncio.run(diagnose(settings)))
    print(text)
    return code


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if (code := run_reports(args)) is not None:
        return code
    if args.command == "demo":
        from bot.demo.command import run_demo

        return run_demo(args)
    if args.command == "doctor":
        return doctor()
    if args.command == "audit":
        return audit_command(_database_url_only(), args)
    if args.command == "policy":
        return policy_check(args.file) if args.policy_command == "check" else policy_reload()
    if args.command == "run":
        try:
            settings = load_settings()
        except SettingsError as error:
            print(f"firebell: {error}", file=sys.stderr)
            return 2
        try:
            load_policy(settings.firebell_policy, settings.firebell_locale)
        except PolicyError as error:
            print(f"firebell: invalid policy {error.source}", file=sys.stderr)
            for problem in error.problems:
                print(f"  {problem}", file=sys.stderr)
            return 2
        stop = token_gate(settings)
        if stop is not None:
            return stop
        configure_logging(settings.log_level, log_format(settings))
        quiet_bolt_startup()
        # The pid file lets `firebell policy reload` find this process.
        pid_file = Path(settings.firebell_pid_file)
        with contextlib.suppress(OSError):
            pid_file.write_text(str(os.getpid()))
        try:
            asyncio.run(serve(settings))
        except OSError as error:
            print(f"firebell: cannot start: {error}", file=sys.stderr)
            return 1
        finally:
            with contextlib.suppress(OSError):
                if pid_file.read_text().strip() == str(os.getpid()):
                    pid_file.unlink()
        return 0
    if args.command == "db" and args.db_command == "upgrade":
        configure_logging("INFO", "console")
        try:
            url = _database_url_only()
        except ValueError as error:
            print(f"firebell: invalid configuration: DATABASE_URL {error}", file=sys.stderr)
            return 2
        asyncio.run(upgrade(url))
        print("database is up to date")
        return 0
    return 2
